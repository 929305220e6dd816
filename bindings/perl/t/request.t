# Requests built and signed by the library through Restsign::Request: every part read back (body,
# query, target, signature, headers, nonce) is checked against what t/lib/Reference.pm's own
# encoders and Digest::SHA make of the same parameters.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";    # prove -l from anywhere; Reference.pm, Check.pm
use Time::HiRes ();
use Digest::SHA qw(hmac_sha512_hex hmac_sha256_hex);
use Reference;
use Check qw(library_error credential @REQUESTS $UUID);
use Restsign qw(:status :nonce_unit);
use Restsign::Signer;
use Restsign::Nonce;

# Bytes every encoder must treat alike: space, reserved, "~", non-ASCII, NUL.
my @FORM = (['command', 'returnBalances'], ['a b', "x&y=z+~/?\xc3\xa9"], ['empty', ''], ["nul\0", "\x01\xff"]);
my @JSON = (['command', 'returnBalances'], ['a b', "x&y=\"z\"/\xc3\xa9"], ['ctl', "\n\t\x01"]);    # UTF-8 only
my $NONCE = 1_700_000_000_123_456;

for my $r (@REQUESTS) {
    my ($scheme, $method, $path) = @$r;
    my ($key, $secret) = credential($scheme);
    my $json = $scheme eq 'mtgox-stream' || ($scheme eq 'viabtc' && $method eq 'POST');
    my @params = $json ? @JSON : @FORM;
    my $req = Restsign::Signer->new($scheme, $key, $secret)->request($method, $path);
    is $req->param(@$_), exact_ref($req), "$scheme $method: param chains" for @params;
    is $req->sign_with_nonce($NONCE), exact_ref($req), "$scheme $method: sign_with_nonce chains";

    my $in_query = $scheme =~ /^(?:apiauth|viabtc)$/ && $method eq 'GET';
    my $field = $scheme eq 'apiauth' ? undef : $scheme eq 'viabtc' ? 'tonce' : 'nonce';
    my $payload = $json ? Reference::json(\@params, $field, $NONCE)
        : Reference::form(@params, defined $field ? ([$field, $NONCE]) : ());
    my $signed_path = $scheme eq 'mtgox-v2' ? substr($path, length '/api/2/') : $path;
    my $signature = Reference::sign($scheme, $key, $secret, $signed_path, $payload, $NONCE);
    my @headers = $scheme eq 'mtgox-stream' ? () : Reference::headers($scheme, $key, $method, $NONCE, $signature);

    is [$req->body, $req->query, $req->target], [$in_query ? ('', $payload, "$path?$payload") : ($payload, '', $path)],
        "$scheme $method: body, query, target";
    is $req->signature, $signature, "$scheme $method: signature";
    is $req->nonce, $NONCE, "$scheme $method: nonce";
    is [$req->headers], \@headers, "$scheme $method: headers";
    is $req->header_block, join('', map { "$_\r\n" } @headers), "$scheme $method: header block";
}

{
    my $source = Restsign::Nonce->memory(NONCE_UNIT_MILLIS);
    my $req = Restsign::Signer->new('poloniex', 'k', 's', $source)->request('POST', '/tradingApi')->param(command => 'returnBalances');
    my $first = $req->sign->nonce;
    cmp_ok $first, '>=', int(Time::HiRes::time() * 1000) - 1000, 'sign draws milliseconds since the epoch';
    is $req->body, "command=returnBalances&nonce=$first", 'the nonce field is added last';
    is $req->signature, hmac_sha512_hex($req->body, 's'), 'and signed';
    my $drawn = $source->next;
    cmp_ok $drawn, '>', $first, 'from the given source';
    cmp_ok $req->sign->nonce, '>', $drawn, 'signing again draws again';
}

{
    # The published CoinPayments example (seed document): its body has no nonce.
    my $body = 'currency=BTC&version=1&cmd=get_callback_address&key=your_api_public_key&format=json';
    my $req = Restsign::Signer->new('coinpayments', 'pub', 'test')->request('POST', '/api.php')->set_body($body)->sign;
    is [$req->body, $req->signature], [$body, '5590eac015e7692902e1a9cd5464f1d305a4b593d2f1343d826ac5affc5ac6f960a5167284f9bf31295cba0e04df9d8f7087935b5344c468ccf2dd036e159102'],
        'a raw body is sent and signed as given';
    library_error(ERR_NO_NONCE, 'a raw body carries the caller\'s nonce', sub { $req->nonce });
}

{
    my $signer = Restsign::Signer->new('viabtc', 'k', 's');
    my $req = $signer->request('POST', '/v1/order')->set_json(qq({"market": "BTCUSD"}\n))->sign_with_nonce(42);
    is $req->body, '{"market": "BTCUSD","tonce":42}', 'JSON gets the nonce member';
    is $req->signature, hmac_sha256_hex($req->body, 's'), 'and is signed';
    $req = $signer->request('POST', '/v1/order')->set_json('{"tonce":7}')->sign;
    is $req->body, '{"tonce":7}', 'unless it has one';
    library_error(ERR_NO_NONCE, 'the caller\'s JSON nonce', sub { $req->nonce });

    library_error(ERR_INVALID_METHOD, "method $_->[0]", sub { $signer->request($_->[1], '/') })
        for ['with a space', 'G T'], ['with NUL', "GET\0"], ['empty', ''], ['undef', undef], ['wide', "G\x{263a}T"];
    my $unsigned = $signer->request('POST', '/p');
    library_error(ERR_NOT_SIGNED, "$_ before signing", sub { $unsigned->$_ }) for qw(body query target signature header_block headers nonce);
    $unsigned->param(a => 1)->sign->param(b => 2);
    library_error(ERR_NOT_SIGNED, 'a change unsigns', sub { $unsigned->body });
    library_error(ERR_PARAMS_AND_BODY, 'parameters and a body', sub { $signer->request('POST', '/p')->param(a => 1)->set_body('x')->sign });
    library_error(ERR_JSON_NOT_OBJECT, 'JSON not an object', sub { $signer->request('POST', '/p')->set_json('[1]')->sign });
    library_error(ERR_JSON_NOT_UTF8, 'a Latin-1 JSON parameter', sub { $signer->request('POST', '/p')->param(name => "caf\xe9")->sign });
    like dies { $signer->request('POST', '/p')->sign_with_nonce(-1) }, qr/^restsign: the nonce must be an integer/, 'a bad nonce croaks';
    like dies { $signer->request('POST', '/p')->param(name => "\x{263a}") }, qr/^restsign: the parameter value has wide characters/,
        'a wide character croaks';
}

{
    my $req = Restsign::Signer->new('poloniex', 'k', 's')->request('POST', '/tradingApi');
    is $req->sign_with_nonce(5)->signature, hmac_sha512_hex('nonce=5', 's'), 'a request keeps its signer alive';
}

done_testing;
