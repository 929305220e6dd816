package Check;

# Helpers the binding's tests share: library errors, and a credential and requests per scheme.

use strict;
use warnings;
use Exporter qw(import);
use Test2::V0;
use MIME::Base64 qw(encode_base64);
use Restsign;

our @EXPORT_OK = qw(library_error credential @REQUESTS $UUID);

our $UUID = '12345678-abcd-1234-abcd-50286e649d5c';

# The call dies with a Restsign::Error carrying the library's text for $status (restsign_strerror)
# and the code, reported at a line of the calling test file (the caller's, as croak would).
sub library_error {
    my ($status, $name, $call) = @_;
    my $file = (caller)[1];
    my $err = dies { $call->() };
    isa_ok $err, ['Restsign::Error'], "$name: a Restsign::Error" or return;
    is $err->code, $status, "$name: code";
    is $err->message, Restsign::strerror($status), "$name: the library's message";
    isnt $err->message, '', "$name: a message at all";
    like "$err", qr/^\Q${\ $err->message}\E at \Q$file\E line \d+\.$/, "$name: stringifies like croak";
    return $err;
}

# A key and secret of the right shape for $scheme.
sub credential {
    my ($scheme) = @_;
    return ($UUID, encode_base64('stream secret', '')) if $scheme eq 'mtgox-stream';
    return ('mtgox-key', encode_base64("mtgox secret \0 bytes", '')) if $scheme =~ /^mtgox/;
    return ("$scheme-key", "$scheme secret");
}

# [scheme, method, URL path] of a request of every kind.
our @REQUESTS = (
    ['apiauth', 'POST', '/api/wallet-send/'], ['apiauth', 'GET', '/api/wallet/'],
    ['poloniex', 'POST', '/tradingApi'], ['mtgox-v1', 'POST', '/api/1/generic/private/info'],
    ['mtgox-v2', 'POST', '/api/2/BTCUSD/money/info'], ['mtgox-stream', 'POST', '/'],
    ['coinpayments', 'POST', '/api.php'], ['viabtc', 'POST', '/v1/order/limit'], ['viabtc', 'GET', '/v1/order/pending'],
);

1;
