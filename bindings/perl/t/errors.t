# Every way to call the binding wrongly ends in an error that says why; none crashes.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";    # prove -l from anywhere; Check.pm
use Check qw(library_error $UUID);
use Restsign qw(:status);
use Restsign::Signer;

{
    my $line = __LINE__ + 1;
    my $err = dies { Restsign::Signer->new('nope', 'k', 's') };
    like "$err", qr/ at \Q${\ __FILE__}\E line $line\.\n\z/, "the error names the caller's line";
}

my @bad_credentials = (
    ['unknown scheme', 'nope', 'k', 's', ERR_UNKNOWN_SCHEME],
    ['scheme names are exact', 'MtGox-v1', 'k', 'czE=', ERR_UNKNOWN_SCHEME],
    ['empty scheme', '', 'k', 's', ERR_UNKNOWN_SCHEME],
    ['undef scheme', undef, 'k', 's', ERR_UNKNOWN_SCHEME],
    ['NUL in scheme', "viabtc\0x", 'k', 's', ERR_UNKNOWN_SCHEME],
);
for my $s (qw(apiauth poloniex coinpayments viabtc mtgox-v1 mtgox-v2)) {
    push @bad_credentials,
        ["$s: empty secret", $s, 'k', '', ERR_EMPTY_SECRET],
        ["$s: undef secret", $s, 'k', undef, ERR_EMPTY_SECRET],
        ["$s: empty key", $s, '', 'czE=', ERR_INVALID_KEY],
        ["$s: undef key", $s, undef, 'czE=', ERR_INVALID_KEY],
        ["$s: LF in key", $s, "a\nb", 'czE=', ERR_INVALID_KEY],
        ["$s: CR in key", $s, "a\rb", 'czE=', ERR_INVALID_KEY],
        ["$s: NUL in key", $s, "a\0b", 'czE=', ERR_INVALID_KEY],
        ["$s: DEL in key", $s, "a\x7f", 'czE=', ERR_INVALID_KEY];
}
for my $s (qw(mtgox-v1 mtgox-v2 mtgox-stream)) {
    my $key = $s eq 'mtgox-stream' ? $UUID : 'k';
    push @bad_credentials,
        ["$s: secret not base64", $s, $key, 'not base64!', ERR_SECRET_NOT_BASE64],
        ["$s: unpadded base64", $s, $key, 'YWI', ERR_SECRET_NOT_BASE64],
        ["$s: base64 with a newline", $s, $key, "YWJj\nZGVm", ERR_SECRET_NOT_BASE64];
}
push @bad_credentials,
    ['mtgox-stream: empty secret', 'mtgox-stream', $UUID, '', ERR_EMPTY_SECRET],
    ['mtgox-stream: key not a UUID', 'mtgox-stream', 'k', 'czE=', ERR_KEY_NOT_UUID],
    ['mtgox-stream: UUID without dashes', 'mtgox-stream', $UUID =~ tr/-//dr, 'czE=', ERR_KEY_NOT_UUID],
    ['mtgox-stream: UUID with a non-hex digit', 'mtgox-stream', 'g' . substr($UUID, 1), 'czE=', ERR_KEY_NOT_UUID],
    ['mtgox-stream: UUID plus NUL', 'mtgox-stream', "$UUID\0", 'czE=', ERR_KEY_NOT_UUID],
    ['mtgox-stream: empty key', 'mtgox-stream', '', 'czE=', ERR_KEY_NOT_UUID];

for my $case (@bad_credentials) {
    my ($name, $scheme, $key, $secret, $status) = @$case;
    library_error($status, $name, sub { Restsign::Signer->new($scheme, $key, $secret) });
}

my $signer = Restsign::Signer->new('viabtc', 'k', 's');
for my $method ('', undef, 'GE T', "GET\0", "\0GET", "GET\r\n", "GET\n", "G\x{c9}T", "G\x{263a}T", 'GET/1', '(GET)', 'G:T') {
    my $name = 'method ' . (defined $method ? join('', map { sprintf '\\x{%x}', ord } split //, $method) : 'undef');
    library_error(ERR_INVALID_METHOD, "sign, $name", sub { $signer->sign($method, '/p', 'x=1', 1) });
    library_error(ERR_INVALID_METHOD, "headers, $name", sub { $signer->headers($method, '/p', 'x=1', 1) });
}

my $stream = Restsign::Signer->new('mtgox-stream', $UUID, 'czE=');
library_error(ERR_NO_HEADERS, 'mtgox-stream has no headers', sub { $stream->headers('POST', '', '{}', 1) });

# Mistakes the C API cannot see are plain croaks, at the caller's line.
my $apiauth = Restsign::Signer->new('apiauth', 'k', 's');
for my $nonce (-1, '-1', '-0', '', 'abc', '1.5', 1.5, '1e3', 1e19, ' 1', '1 ', '+1', '0x10', "1\n",
    '9223372036854775808', '99999999999999999999', '18446744073709551615', -9223372036854775808)
{
    for my $call (qw(sign headers)) {
        my $line = __LINE__ + 1;
        like dies { $apiauth->$call('GET', '/p', 'x=1', $nonce) },
            qr/^restsign: the nonce must be an integer from 0 to 9223372036854775807, got '\Q$nonce\E' at \Q${\ __FILE__}\E line $line\.$/,
            "$call refuses nonce '$nonce'";
    }
}
is $apiauth->sign('GET', '/p', 'x=1', '0009223372036854775807'), $apiauth->sign('GET', '/p', 'x=1', 9223372036854775807),
    'leading zeros are fine';
library_error(ERR_NONCE_OUT_OF_RANGE, 'apiauth nonce ' . ($_ // 'undef'), sub { $apiauth->sign('GET', '/p', 'x=1', $_) }) for 0, undef;    # undef is 0: below apiauth's range

# Strings are bytes: a character above 0xFF has no byte value to sign.
for my $arg (qw(key secret path payload)) {
    my %a = (key => 'k', secret => 's', path => '/p', payload => 'x=1', $arg => "caf\x{e9} \x{263a}");
    my $line = __LINE__ + 1;
    like dies { Restsign::Signer->new('apiauth', $a{key}, $a{secret})->sign('GET', $a{path}, $a{payload}, 1) },
        qr/^restsign: the $arg has wide characters; encode it to bytes first at \Q${\ __FILE__}\E line $line\.$/,
        "a wide character in the $arg";
}

is Restsign::strerror(9999), 'unknown restsign status code', 'strerror of an unknown status';

done_testing;
