# Restsign::Verifier accepts what the binding signed and what Digest::SHA signed, and refuses a
# changed payload, a replay, an unknown key and a request without its headers, saying why.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";    # prove -l from anywhere; Reference.pm, Check.pm
use File::Temp qw(tempdir);
use Digest::SHA qw(hmac_sha512_hex hmac_sha512);
use MIME::Base64 qw(encode_base64);
use Reference;
use Check qw(library_error credential @REQUESTS $UUID);
use Restsign qw(:status);
use Restsign::Signer;
use Restsign::Verifier;

# $check must die with a Restsign::Rejected of $status whose message is the verdict's reason; the verdict.
sub rejected {
    my ($status, $name, $check, $reason) = @_;
    my $err = dies { $check->() };
    isa_ok $err, ['Restsign::Rejected', 'Restsign::Error'], "$name: rejected" or return;
    my $verdict = $err->verdict;
    is [$err->code, $verdict->status, $verdict->ok], [$status, $status, F()], "$name: status $status";
    is $err->message, $verdict->reason, "$name: the message is the verdict's reason";
    is $verdict->reason, $reason // Restsign::strerror($status), "$name: the library's reason";
    return $verdict;
}

for my $r (@REQUESTS) {
    my ($scheme, $method, $path) = @$r;
    my ($key, $secret) = credential($scheme);
    my $req = Restsign::Signer->new($scheme, $key, $secret)->request($method, $path)->param(command => 'returnBalances');
    $req->param(key => $key) if $scheme eq 'coinpayments';    # CoinPayments' key travels in the body
    $req->sign;
    my $verifier = Restsign::Verifier->new($scheme, $key, $secret);
    # What the server receives: mtgox-stream's signed call is the body.
    my $payload = $scheme eq 'mtgox-stream' ? $req->signature : $req->query ne '' ? $req->query : $req->body;
    my $name = "$scheme $method";

    my $verdict = $verifier->check($method, $path, [$req->headers], $payload);
    is [$verdict->ok, $verdict->status, $verdict->reason, $verdict->key, $verdict->nonce, $verdict->expected_message],
        [T(), OK, 'success', lc $key eq lc $UUID ? lc $key : $key, $req->nonce, undef], "$name: accepted";

    my $replay = rejected(ERR_STALE_NONCE, "$name replayed", sub { $verifier->check($method, $path, $req->header_block, $payload) });
    is [$replay->nonce, $replay->expected_signature], [$req->nonce, undef], "$name replayed: the stale nonce, correctly signed";

    next if $scheme eq 'mtgox-stream';
    my $changed = rejected(ERR_BAD_SIGNATURE, "$name changed", sub { $verifier->check($method, $path, [$req->headers], "$payload&x=1") });
    my $signed_path = $scheme eq 'mtgox-v2' ? substr($path, 7) : $path;
    is $changed->expected_signature, Reference::sign($scheme, $key, $secret, $signed_path, "$payload&x=1", $req->nonce),
        "$name changed: the expected signature";
    like $changed->expected_message, qr/\Q$payload&x=1\E/, "$name changed: the expected message";
}

{
    my $verifier = Restsign::Verifier->new('poloniex', 'pk', 'poloniex secret');
    my $body = 'command=returnBalances&nonce=' . time * 1000;
    ok $verifier->check('POST', '/tradingApi', ['Key: pk', 'Sign: ' . hmac_sha512_hex($body, 'poloniex secret')], $body)->ok,
        'accepts a request signed by Digest::SHA';
    my $mtgox = Restsign::Verifier->new('mtgox-v2', 'mk', encode_base64('raw secret', ''));
    $body = 'nonce=1700000000000001';
    my $sign = encode_base64(hmac_sha512("BTCUSD/money/info\0$body", 'raw secret'), '');
    is $mtgox->check('POST', '/api/2/BTCUSD/money/info', "Rest-Key: mk\r\nRest-Sign: $sign\r\n", $body)->nonce,
        1700000000000001, 'and a mtgox-v2 one';
}

{
    my $verifier = Restsign::Verifier->new('poloniex', 'k1', 's1');
    my $body = 'nonce=10';
    my $unknown = rejected(ERR_UNKNOWN_KEY, 'unknown key', sub { $verifier->check('POST', '/', ['Key: k2', 'Sign: ' . hmac_sha512_hex($body, 's2')], $body) });
    is $unknown->key, 'k2', 'the unknown key is named';
    is $verifier->add_key(k2 => 's2'), exact_ref($verifier), 'add_key chains';
    is $verifier->check('POST', '/', ['Key: k2', 'Sign: ' . hmac_sha512_hex($body, 's2')], $body)->key, 'k2', 'then it is known';
    my $malformed = dies { $verifier->check('POST', '/', [], $body) };
    is [ref $malformed, $malformed->code, $malformed->verdict->key], ['Restsign::Rejected', ERR_MALFORMED, undef], 'no headers: malformed';
    for my $method ("PO\0ST", "POST\0", 'PO ST', '', undef, "P\x{263a}") {
        rejected(ERR_MALFORMED, 'a bad method', sub { $verifier->check($method, '/', ['Key: k1', 'Sign: ' . hmac_sha512_hex($body, 's1')], $body) },
            Restsign::strerror(ERR_INVALID_METHOD));
    }
    library_error(ERR_UNKNOWN_SCHEME, 'unknown scheme', sub { Restsign::Verifier->new('nope', 'k', 's') });
    library_error(ERR_EMPTY_SECRET, 'empty secret', sub { Restsign::Verifier->new('poloniex', 'k', '') });
    library_error(ERR_INVALID_KEY, 'bad key added', sub { $verifier->add_key("a\nb", 's') });
    library_error(ERR_NONCE_STATE_IO, 'unusable state directory', sub { Restsign::Verifier->shared('poloniex', 'k', 's', '/proc/restsign-cannot-be-here') });
}

{
    my $dir = tempdir(CLEANUP => 1);
    my ($a, $b) = map { Restsign::Verifier->shared('viabtc', 'k', 's', $dir) } 1 .. 2;
    my $req = Restsign::Signer->new('viabtc', 'k', 's')->request('GET', '/v1/balance')->sign;
    ok $a->check('GET', '/v1/balance', [$req->headers], $req->query)->ok, 'shared state: one verifier accepts';
    rejected(ERR_STALE_NONCE, 'shared state: the other refuses the replay', sub { $b->check('GET', '/v1/balance', [$req->headers], $req->query) });
}

done_testing;
