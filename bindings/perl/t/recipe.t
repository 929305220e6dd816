# Recipes from Perl: presets, recipes a user writes (and the parser's errors for bad ones), signers
# from recipes with a passphrase, a nonce source and a base URL, and the request's fixed time, UUID
# and URL. Every signature is recomputed here with Digest::SHA and MIME::Base64 over the message the
# recipe documents, from what the request sends: never compared with restsign's own output.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
use Digest::SHA qw(hmac_sha256 hmac_sha256_hex hmac_sha512 sha256_hex);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use Restsign qw(:status :nonce_unit);
use Restsign::Signer;
use Restsign::Recipe;
use Restsign::Nonce;

my $TIME = 1_700_000_000_123;

# A recipe of the kind a user writes for an API restsign does not ship: SHA-512, base64.
my $MINE = <<'TOML';
name = "myexchange"
hash = "sha512"
base_url = "https://api.myexchange.test"
query_methods = ["GET", "DELETE"]
body = "json"
# timestamp, method, path and query, then the hex SHA-256 of the body, newline-separated
message = ["{ts}\n{method}\n{path}{?query}\n", { hex = { sha256 = "{body}" } }]
signature = "base64"

[headers]
X-MY-KEY = "{key}"
X-MY-TS = "{ts}"
X-MY-SIGN = "{signature}"
TOML

# KuCoin's scheme (API key version 2) as a user would write it: the passphrase HMAC-ed too.
my $PASSPHRASED = <<'TOML';
name = "kc-style"
hash = "sha256"
passphrase = true
query_methods = ["GET", "DELETE"]
body = "json"
message = "{ts}{method}{path}{?query}{body}"
signature = "base64"

[values]
signed_passphrase = { base64 = { hmac = "{passphrase}" } }

[headers]
KC-API-KEY = "{key}"
KC-API-SIGN = "{signature}"
KC-API-TIMESTAMP = "{ts}"
KC-API-PASSPHRASE = "{signed_passphrase}"
KC-API-KEY-VERSION = "2"
TOML

sub b64 { encode_base64($_[0], '') }
sub header_map { map { split /: /, $_, 2 } @_ }
sub query_pairs {
    my ($q) = @_;
    return [map { my ($n, $v) = split /=/, $_, 2; [map { (my $x = $_ // '') =~ tr/+/ /; $x =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; $x } $n, $v] } split /&/, $q];
}

subtest 'bad recipes say where and what' => sub {
    my $ok = qq{name = "x"\nhash = "sha256"\n};
    my @bad = (
        ['unknown template name', $ok . qq{message = "{payload}"\n[headers]\nX-SIGN = "{sig}"\n}, 5, 11, ['headers.X-SIGN', '{sig}']],
        ['unknown hash', qq{name = "x"\nhash = "md5"\nmessage = "{payload}"\n}, 2, 8, ['md5', 'sha256']],
        ['missing field', qq{name = "x"\nhash = "sha256"\n}, 1, 1, ['missing field', 'message']],
        ['unknown function', $ok . qq{message = [{ md5 = "{body}" }]\n}, 3, 14, ['message', 'unknown function', 'md5']],
        ['bad signature form', $ok . qq{message = "{payload}"\nsignature = "hexx"\n}, 4, 14, ['signature', 'hexx']],
        ['unclosed brace', $ok . "message = \"{payload\"\n", 3, 12, ['message', 'not closed']],
        ['TOML syntax', qq{name = "x"\nhash = sha256\nmessage = "{payload}"\n}, 2, 8, ['quoted']],
        ['JSON unknown field', q({"name": "x", "hash": "sha256", "message": "{payload}", "bogus": 1}), 1, undef, ['unknown field', 'bogus']],
        ['JSON bad body kind', qq({"name": "x", "hash": "sha256",\n"message": "{payload}", "body": "xml"}), 2, undef, ['xml', 'form', 'json']],
        ['not UTF-8', qq{name = "\xff"\nhash = "sha256"\nmessage = "{payload}"\n}, undef, undef, []],
    );
    for (@bad) {
        my ($what, $text, $line, $column, $names) = @$_;
        my $line_here = __LINE__ + 1;
        my $err = dies { Restsign::Recipe->parse($text) };
        isa_ok $err, ['Restsign::Error'], "$what: a Restsign::Error" or next;
        is $err->code, ERR_INVALID_RECIPE, "$what: code";
        ok defined $err->detail && $err->detail ne '', "$what: a detail" or next;
        is $err->line, $line, "$what: line" or diag $err->detail if defined $line;
        is $err->column, $column, "$what: column" or diag $err->detail if defined $column;
        like $err->detail, qr/^line \d+, column \d+: /, "$what: the detail starts with the position" if defined $line;
        like $err->detail, qr/\Q$_\E/, "$what: names $_" for @$names;
        is $err->message, Restsign::strerror(ERR_INVALID_RECIPE) . ': ' . $err->detail, "$what: message";
        like "$err", qr/ at \Q$0\E line $line_here\.$/, "$what: reported at the caller's line";
    }
};

subtest 'presets' => sub {
    is(Restsign::Recipe->preset('poloniex')->name, 'poloniex', 'a preset by name');
    is(Restsign::Recipe->parse($MINE)->name, 'myexchange', 'a parsed recipe keeps its name');
    ok((grep { $_ eq 'viabtc' } Restsign::Recipe->presets), 'presets lists the built-in ones');
    my $err = dies { Restsign::Recipe->preset('no-such-exchange') };
    is $err->code, ERR_UNKNOWN_SCHEME, 'an unknown preset';
    is $err->detail, undef, 'no parser detail for other errors';
};

subtest 'a JSON recipe signs as documented' => sub {
    my $json = '{"name": "json-written", "hash": "sha384", "query_methods": ["GET"], "message": "{method} {path}{?query}", '
        . '"signature": "HEX", "headers": {"Auth": "{key}:{signature}"}}';
    my $req = Restsign::Signer->from_recipe(Restsign::Recipe->parse($json), key => 'jk', secret => 'js', base_url => 'https://h.test:8443')
        ->request(GET => '/q')->param(a => 'x y')->sign;
    is $req->url, 'https://h.test:8443/q?' . $req->query, 'the URL';
    is query_pairs($req->query), [[a => 'x y']], 'the query';
    is [$req->headers], ['Auth: jk:' . uc Digest::SHA::hmac_sha384_hex('GET /q?' . $req->query, 'js')], 'the header';
};

subtest 'a user recipe signs a GET as documented' => sub {
    my $secret = join '', map { chr int rand 256 } 1 .. 32;
    my $signer = Restsign::Signer->from_recipe(Restsign::Recipe->parse($MINE), key => 'my-key', secret => $secret);
    my $req = $signer->request(GET => '/v1/orders')->param(symbol => 'BTC-USD')->param(note => 'a b&c')->set_time($TIME)->sign;
    my $query = $req->query;
    is query_pairs($query), [[symbol => 'BTC-USD'], [note => 'a b&c']], 'the query carries the parameters';
    is $req->body, '', 'no body';
    is $req->url, "https://api.myexchange.test/v1/orders?$query", 'the URL';
    my $message = "$TIME\nGET\n/v1/orders?$query\n" . sha256_hex('');
    is [$req->headers], ['X-MY-KEY: my-key', "X-MY-TS: $TIME", 'X-MY-SIGN: ' . b64(hmac_sha512($message, $secret))], 'the headers';
};

subtest 'a user recipe signs a JSON POST as documented' => sub {
    my $secret = 'user secret ' . int rand 1e9;
    my $signer = Restsign::Signer->from_recipe(Restsign::Recipe->parse($MINE), key => 'my-key', secret => $secret, base_url => 'http://127.0.0.1:8123');
    my $req = $signer->request(POST => '/v1/orders')->param(symbol => 'BTC-USD')->param(qty => '1.5')->set_time($TIME)->sign;
    my $body = $req->body;
    is(JSON::PP->new->decode($body), { symbol => 'BTC-USD', qty => '1.5' }, 'the JSON body');
    is $req->url, 'http://127.0.0.1:8123/v1/orders', 'the base URL given wins';
    my %h = header_map($req->headers);
    is $h{'X-MY-SIGN'}, b64(hmac_sha512("$TIME\nPOST\n/v1/orders\n" . sha256_hex($body), $secret)), 'the signature';
    is $h{'Content-Type'}, 'application/json', 'the content type';
    $req->set_time($TIME + 1000)->sign;
    %h = header_map($req->headers);
    is $h{'X-MY-TS'}, $TIME + 1000, 'signed again at another fixed time';
    is $h{'X-MY-SIGN'}, b64(hmac_sha512(($TIME + 1000) . "\nPOST\n/v1/orders\n" . sha256_hex($req->body), $secret)), 'that time is signed';
};

subtest 'a passphrase recipe signs the passphrase with the secret' => sub {
    my $secret = unpack 'H*', join '', map { chr int rand 256 } 1 .. 16;
    my $passphrase = 'my passphrase';
    my $signer = Restsign::Signer->from_recipe(Restsign::Recipe->parse($PASSPHRASED), key => 'kc-key', secret => $secret, passphrase => $passphrase);
    for my $case (['GET', [currency => 'USDT']], ['POST', [clientOid => 'o1', side => 'buy', size => '0.1']]) {
        my ($method, $params) = @$case;
        my $req = $signer->request($method, '/api/v1/orders');
        my @p = @$params;
        $req->param(splice @p, 0, 2) while @p;
        $req->set_time($TIME)->sign;
        my ($query, $body) = ($req->query, $req->body);
        if ($method eq 'GET') {
            is query_pairs($query), [[currency => 'USDT']], 'GET: the query';
        } else {
            is(JSON::PP->new->decode($body), {@$params}, 'POST: the body');
        }
        my %h = header_map($req->headers);
        my $message = $TIME . $method . '/api/v1/orders' . ($query eq '' ? '' : "?$query") . $body;
        is $h{'KC-API-KEY'}, 'kc-key', "$method: key";
        is $h{'KC-API-TIMESTAMP'}, $TIME, "$method: timestamp";
        is $h{'KC-API-SIGN'}, b64(hmac_sha256($message, $secret)), "$method: signature";
        is $h{'KC-API-PASSPHRASE'}, b64(hmac_sha256($passphrase, $secret)), "$method: the passphrase, HMAC-ed";
        is $h{'KC-API-KEY-VERSION'}, 2, "$method: key version";
    }
};

subtest 'a passphrase recipe without one is refused' => sub {
    my $recipe = Restsign::Recipe->parse($PASSPHRASED);
    is dies { Restsign::Signer->from_recipe($recipe, key => 'k', secret => 's') }->code, ERR_PASSPHRASE_MISSING, 'status 50';
    is ERR_PASSPHRASE_MISSING, 50, 'which is 50';
    is dies { Restsign::Signer->from_recipe($recipe, key => 'k', secret => 's', nonce => Restsign::Nonce->memory(NONCE_UNIT_MILLIS)) }->code,
        ERR_PASSPHRASE_MISSING, 'with other options too';
    is dies { Restsign::Signer->from_recipe($recipe, key => 'k', secret => 's', passphrase => $_) }->code, ERR_INVALID_PASSPHRASE, "passphrase '$_'"
        for '', "two\nlines";
};

subtest 'bad options and request inputs' => sub {
    is dies { Restsign::Signer->from_recipe('poloniex', key => 'k', secret => 's', base_url => $_) }->code, ERR_INVALID_BASE_URL, "base URL $_"
        for 'http://host/path', 'https://host:1/', 'not a url', 'http://';
    like dies { Restsign::Signer->from_recipe('poloniex', key => 'k', secret => 's', pasphrase => 'x') }, qr/unknown argument\(s\) of from_recipe: pasphrase/, 'a misspelt option';
    like dies { Restsign::Signer->from_recipe('poloniex', key => 'k', secret => 's', nonce => 5) }, qr/Restsign::Nonce/, 'a nonce that is not a source';
    like dies { Restsign::Signer->from_recipe({}, key => 'k', secret => 's') }, qr/Restsign::Recipe or a preset name/, 'a recipe that is not one';
    is dies { Restsign::Signer->from_recipe('no-such-exchange', key => 'k', secret => 's') }->code, ERR_UNKNOWN_SCHEME, 'an unknown preset name';
    my $req = Restsign::Signer->from_recipe(Restsign::Recipe->parse($MINE), key => 'k', secret => 's')->request(GET => '/x');
    is dies { $req->set_uuid('not-a-uuid') }->code, ERR_INVALID_UUID, 'a bad UUID';
    like dies { $req->set_time($_) }, qr/milliseconds since the epoch/, "time '$_'" for -1, 'soon', '99999999999999999999';
    is dies { $req->url }->code, ERR_NOT_SIGNED, 'url before signing';
};

subtest 'base URLs outside the documented form' => sub {
    my $todo = todo 'librestsign accepts these as base URLs (a library bug, not the binding\'s)';
    for my $url ('ftp://host', 'http://host:99999') {
        my $err = dies { Restsign::Signer->from_recipe('poloniex', key => 'k', secret => 's', base_url => $url) };
        is ref $err && $err->code, ERR_INVALID_BASE_URL, "base URL $url refused";
    }
};

subtest 'a fixed UUID is signed' => sub {
    my $recipe = Restsign::Recipe->parse(<<'TOML');
name = "uuid-signing"
hash = "sha256"
message = "{uuid}{ts}{method}{path}{body}"
[headers]
X-Nonce = "{uuid}"
X-Sign = "{signature}"
TOML
    my $uuid = '0b7a0d8e-5c3f-4c2a-9d1e-6f7a8b9c0d1e';
    my $req = Restsign::Signer->from_recipe($recipe, key => 'k', secret => 'secret')->request(POST => '/p')->param(a => 1)->set_uuid($uuid)->set_time($TIME)->sign;
    my %h = header_map($req->headers);
    is $h{'X-Nonce'}, $uuid, 'the UUID travels';
    is $req->body, 'a=1', 'the body';
    is $h{'X-Sign'}, hmac_sha256_hex("$uuid${TIME}POST/pa=1", 'secret'), 'and is signed';
};

subtest 'signers from recipes use the given nonce source' => sub {
    my $recipe = Restsign::Recipe->parse(qq{name = "n"\nhash = "sha256"\ninject = [{ name = "nonce", value = "{nonce}" }]\nmessage = "{body}"\n[headers]\nSign = "{signature}"\n});
    my $nonce = Restsign::Nonce->memory(NONCE_UNIT_MILLIS);
    my $drawn = $nonce->next;
    my $req = Restsign::Signer->from_recipe($recipe, key => 'k', secret => 's', nonce => $nonce)->request(POST => '/p')->sign;
    ok $req->nonce > $drawn, 'drawn from the source given';
    is $req->body, 'nonce=' . $req->nonce, 'and placed';
    my %h = header_map($req->headers);
    is $h{Sign}, hmac_sha256_hex($req->body, 's'), 'and signed';
    ok $nonce->next > $req->nonce, 'the source moved on';
};

subtest 'no leaks' => sub {
    open my $fh, '<', '/proc/self/status' or skip_all 'no /proc/self/status';
    my $rss = sub { open my $f, '<', '/proc/self/status' or return 0; while (<$f>) { return $1 if /^VmRSS:\s+(\d+) kB$/ } 0 };
    my $churn = sub {
        for my $i (1 .. shift) {
            eval {
                my $recipe = Restsign::Recipe->parse($i % 5 == 4 ? qq{name = "x"\nhash = "md5"\n} : $PASSPHRASED);
                my $signer = Restsign::Signer->from_recipe($recipe, key => 'k', secret => 's', ($i % 7 == 6 ? () : (passphrase => 'pass')), base_url => 'http://127.0.0.1:1');
                my $req = $signer->request(GET => '/p')->param(i => $i)->set_time($TIME + $i)->sign;
                my $x = $req->url . $req->header_block;
                1;
            };
        }
    };
    $churn->(2_000);
    my $before = $rss->();
    $churn->(30_000);
    my $growth = $rss->() - $before;
    note "30,000 recipes/signers/requests: VmRSS $before kB -> +$growth kB";
    ok $growth < 1024, 'VmRSS did not grow by 1 MB';
};

done_testing;
