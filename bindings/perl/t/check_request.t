# Restsign::Verifier->check_request, any recipe and the whole request as received: binance and okx
# requests the binding signed are accepted once, then refused as replayed, changed (with what was
# expected, checked with Digest::SHA, and what was received) and without a header (naming it); and
# Kraken's published example, which restsign did not sign, is accepted, folded or not.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";
use Digest::SHA qw(hmac_sha256 hmac_sha256_hex);
use MIME::Base64 qw(encode_base64);
use Restsign qw(:status);
use Restsign::Signer;
use Restsign::Verifier;

# $check must die with a Restsign::Rejected of $status; its verdict.
sub rejected {
    my ($status, $name, $check) = @_;
    my $err = dies { $check->() };
    isa_ok $err, ['Restsign::Rejected'], "$name: rejected" or return;
    is [$err->code, $err->verdict->status], [$status, $status], "$name: status $status";
    return $err->verdict;
}

for (['binance', '/api/v3/order', 'X-MBX-APIKEY', 'hex'], ['okx', '/api/v5/trade/order', 'OK-ACCESS-TIMESTAMP', 'base64']) {
    my ($preset, $path, $removed, $encoding) = @$_;
    my ($key, $secret) = ('my-key', 'a secret of some length');
    my $passphrase = $preset eq 'okx' ? 'okx passphrase' : undef;
    my $req = Restsign::Signer->from_recipe($preset, key => $key, secret => $secret, passphrase => $passphrase)
        ->request('POST', $path);
    $preset eq 'binance' ? $req->param(symbol => 'BTCUSDT')->param(side => 'BUY') : $req->set_json('{"instId":"BTC-USDT"}');
    $req->sign;
    my $verifier = Restsign::Verifier->new($preset, $key, $secret);
    is $verifier->add_key_with_passphrase($key, $secret, $passphrase), exact_ref($verifier), 'add_key_with_passphrase chains'
        if defined $passphrase;
    my %headers = map { split /: /, $_, 2 } $req->headers;

    my $verdict = $verifier->check_request('POST', $req->target, \%headers, $req->body);
    is [$verdict->ok, $verdict->key, $verdict->part], [T(), $key, undef], "$preset: accepted";
    rejected(ERR_REPLAYED, "$preset again", sub { $verifier->check_request('POST', $req->target, $req->header_block, $req->body) });

    (my $changed = $req->body) =~ s/BTC(-?)USDT/BTC$1USDC/;
    my $bad = rejected(ERR_BAD_SIGNATURE, "$preset changed", sub { $verifier->check_request('POST', $req->target, [$req->headers], $changed) });
    is $bad->received_signature, $req->signature, "$preset changed: the signature received";
    like $bad->expected_message, qr/BTC-?USDC/, "$preset changed: the message expected";
    my $tag = hmac_sha256($bad->expected_message, $secret);    # recomputed with Digest::SHA
    is $bad->expected_signature, $encoding eq 'hex' ? unpack('H*', $tag) : encode_base64($tag, ''),
        "$preset changed: the signature expected";

    delete $headers{$removed};
    my $malformed = rejected(ERR_MALFORMED, "$preset without $removed", sub { $verifier->check_request('POST', $req->target, \%headers, $req->body) });
    is $malformed->part, "header $removed", "$preset without $removed: the part named";
}

# Kraken's published example (docs.kraken.com, REST API "Authentication").
{
    my $secret = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';
    my $body = 'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25';
    my $sign = '4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==';
    my $check = sub {    # a fresh verifier each time: the nonce is new to it
        Restsign::Verifier->new('kraken', 'kraken-key', $secret)
            ->check_request('POST', '/0/private/AddOrder', [['API-Key', 'kraken-key'], ['API-Sign', $_[0]]], $body);
    };
    is $check->($sign)->nonce, 1616492376594, 'kraken: the published example is accepted';
    ok $check->(substr($sign, 0, 76) . "\n " . substr($sign, 76))->ok, 'kraken: folded after 76 characters, still accepted';
    (my $changed = $sign) =~ s/^4/5/;
    is rejected(ERR_BAD_SIGNATURE, 'kraken: one character changed', sub { $check->($changed) })->received_signature, $changed,
        'kraken: the changed signature is the one received';
}

{
    my $verifier = Restsign::Verifier->new('kraken', 'k', 'c2VjcmV0');
    is $verifier->set_window_ms(5000), exact_ref($verifier), 'set_window_ms chains';
    like dies { $verifier->set_window_ms(-1) }, qr/the window must be an integer/, 'a negative window';
    like dies { $verifier->check_request('POST', '/', { 'API:Key' => 'k' }, '') }, qr/not a header name/, 'a name with a colon';
    my $err = dies { Restsign::Verifier->new('okx', 'k', 's')->check('POST', '/', [], '') };
    is [ref $err, $err->code], ['Restsign::Error', ERR_VERIFY_UNSUPPORTED], 'check refuses what it cannot follow';
}

done_testing;
