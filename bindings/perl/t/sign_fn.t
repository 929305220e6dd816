# $signer->sign_fn($method, $path) signs exactly as $signer->sign($method, $path, ...) and
# Digest::SHA do, and fails the same ways.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";    # prove -l from anywhere; Reference.pm, Check.pm
use Reference;
use Check qw(library_error credential $UUID);
use Restsign qw(:status);
use Restsign::Signer;

# The seed schemes (Reference.pm knows them); the exchange presets are checked in tests/ccxt.
for my $scheme (qw(apiauth poloniex mtgox-v1 mtgox-v2 mtgox-stream coinpayments viabtc)) {
    my ($key, $secret) = credential($scheme);
    my $signer = Restsign::Signer->new($scheme, $key, $secret);
    my $path = $scheme eq 'mtgox-v2' ? 'BTCUSD/money/info' : '/api/p';
    my $sign = $signer->sign_fn('POST', $path);
    # Long payloads make mtgox-stream's signed call outgrow the output buffer: the slow path.
    for my $payload ('', 'nonce=1', "bin\0ary\xff", 'x' x 5000, "caf\xe9") {
        for my $nonce (($scheme eq 'apiauth' ? () : (undef, 0)), 1, 1700000000000, '9223372036854775807') {    # apiauth: 1 .. 2**63-1
            is $sign->($payload, $nonce), Reference::sign($scheme, $key, $secret, $path, $payload, $nonce // 0),
                "$scheme: " . length($payload) . ' bytes, nonce ' . ($nonce // 'none');
        }
    }
    my $chars = "caf\xe9";
    utf8::upgrade($chars);    # the same text stored as UTF-8: still signed as its Latin-1 bytes
    is $sign->($chars, 1), $signer->sign('POST', $path, "caf\xe9", 1), "$scheme: a character string is signed as bytes";
}

{
    my $signer = Restsign::Signer->new('apiauth', 'k', 's');
    library_error(ERR_INVALID_METHOD, "sign_fn method $_->[0]", sub { $signer->sign_fn($_->[1], '/') })
        for ['with a space', 'G T'], ['with NUL', "GET\0"], ['empty', ''], ['undef', undef];
    my $sign = $signer->sign_fn('GET', '/p');
    like dies { $sign->('x', -1) }, qr/^restsign: the nonce must be an integer from 0 to 9223372036854775807, got '-1' at \Q${\ __FILE__}\E line \d+\.$/,
        'a bad nonce croaks at the caller';
    like dies { $sign->("\x{263a}") }, qr/^restsign: the payload has wide characters/, 'a wide character croaks';
    my $stream = Restsign::Signer->new('mtgox-stream', $UUID, 'czE=')->sign_fn('POST', '');
    undef $signer;
    is $sign->('x=1', 5), Reference::sign('apiauth', 'k', 's', '/p', 'x=1', 5), 'the function keeps its signer alive';
}

done_testing;
