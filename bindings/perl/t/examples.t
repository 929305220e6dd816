# examples/perl end to end: each example runs against `restsign serve` for its scheme, which
# verifies every request (signature, key, fresh nonce); each answer must be the exchange's
# success. Without a base URL an example only prints its request, whose signature is checked here
# with Digest::SHA.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";    # prove -l from anywhere; Server.pm
use File::Temp qw(tempdir);
use Digest::SHA qw(hmac_sha512 hmac_sha512_hex);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
my $examples;
BEGIN {
    $examples = "$Bin/../../../examples/perl";
    # The examples and `restsign serve` live in the repository, not in the dist.
    skip_all "no examples/perl above this directory (not in the restsign repository)" unless -d $examples;
}
use Server;
my $MTGOX_KEY = '0b7a0d8e-5c3f-4c2a-9d1e-6f7a8b9c0d1e';

# Runs examples/perl/$script with @args and %env on top of ours (no base URL unless given), the
# shared nonce state in a scratch $XDG_RUNTIME_DIR; (exit status, output with stderr).
my $runtime = tempdir(CLEANUP => 1);
sub example {
    my ($script, $args, %env) = @_;
    local $ENV{XDG_RUNTIME_DIR} = $runtime;
    local @ENV{qw(MTGOX_BASE_URL POLONIEX_BASE_URL)};
    delete @ENV{qw(MTGOX_BASE_URL POLONIEX_BASE_URL)};
    local @ENV{ keys %env } = values %env;
    my $pid = open my $out, '-|' // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die;
        exec $^X, "$examples/$script", @$args or die "exec: $!";
    }
    my $text = do { local $/; <$out> };
    close $out;
    return ($? >> 8, $text);
}

# MtGox API 0/1 (mtgox-v1) and API 2 (mtgox-v2): the wiki's call, and others, accepted.
for my $case (['mtgox-v1', ['1/generic/private/info'], ['0/getFunds.php']], ['mtgox-v2', ['2/BTCUSD/money/info'], ['2/BTCUSD/money/order/add', 'type=bid', 'amount_int=100000000']]) {
    my ($scheme, @calls) = @$case;
    my $secret = encode_base64(join('', map { chr int rand 256 } 1 .. 64), '');
    my $server = Server->new($scheme, $MTGOX_KEY, $secret);
    my %env = (MTGOX_BASE_URL => $server->url('/api/'), MTGOX_KEY => $MTGOX_KEY, MTGOX_SECRET => $secret);
    my @nonces;
    for my $call (@calls, $calls[0]) {    # the first call again: the nonce must have moved on
        my ($status, $out) = example('mtgox.pl', $call, %env);
        is $status, 0, "$scheme @$call: exit status" or diag $out, $server->log;
        like $out, qr/'result' => 'success'/, "$scheme @$call: success";
        like $out, qr{'path' => '/api/\Q$call->[0]\E'}, "$scheme @$call: the path the server saw";
        push @nonces, $out =~ /'nonce' => '?(\d+)/;
    }
    ok $nonces[0] < $nonces[1] && $nonces[1] < $nonces[2], "$scheme: increasing nonces across runs";
    my ($status, $out) = example('mtgox.pl', $calls[0], %env, MTGOX_SECRET => encode_base64('wrong', ''));
    isnt $status, 0, "$scheme: a wrong secret fails";
    like $out, qr/^401 Unauthorized\n.*"Invalid signature"/s, "$scheme: the server said why";
    is $server->stop, 0, "$scheme: the server stopped cleanly";
}

{
    my ($status, $out) = example('mtgox.pl', ['2/BTCUSD/money/info'], MTGOX_KEY => $MTGOX_KEY, MTGOX_SECRET => encode_base64('print mode', ''));
    is $status, 0, 'mtgox.pl prints without a base URL';
    like $out, qr{^POST https://data\.mtgox\.com/api/2/BTCUSD/money/info\n}, 'the request line';
    my ($sign) = $out =~ /^Rest-Sign: (.*)$/m;
    my ($body) = $out =~ /\n\n(.*)\n\z/;
    like $body, qr/^nonce=\d{16}$/, 'a microsecond nonce';
    is $sign, encode_base64(hmac_sha512("BTCUSD/money/info\0$body", 'print mode'), ''), 'Rest-Sign is the HMAC, on one line';
}

{
    my ($key, $secret) = ('EXAMPLE-POLONIEX-KEY', 'example poloniex secret');
    my $server = Server->new('poloniex', $key, $secret);
    my %env = (POLONIEX_BASE_URL => $server->url, POLONIEX_KEY => $key, POLONIEX_SECRET => $secret);
    my @nonces;
    for my $args (['returnBalances'], ['returnCompleteBalances', 'account=all']) {
        my ($status, $out) = example('poloniex.pl', $args, %env);
        is $status, 0, "poloniex @$args: exit status" or diag $out, $server->log;
        my $answer = eval { JSON::PP->new->decode($out) } // {};
        is $answer, { key => $key, method => 'POST', path => '/tradingApi', nonce => D() }, "poloniex @$args: accepted";
        push @nonces, $answer->{nonce};
    }
    ok $nonces[0] < $nonces[1], 'poloniex: increasing nonces across runs';
    my ($status, $out) = example('poloniex.pl', [], %env, POLONIEX_SECRET => 'wrong');
    isnt $status, 0, 'poloniex: a wrong secret fails';
    like $out, qr/Invalid API key\/secret pair/, 'poloniex: the server said why';
    is $server->stop, 0, 'poloniex: the server stopped cleanly';

    ($status, $out) = example('poloniex.pl', [], POLONIEX_KEY => 'pk', POLONIEX_SECRET => 'ps');
    is $status, 0, 'poloniex.pl prints without a base URL';
    my ($sign) = $out =~ /^Sign: (.*)$/m;
    my ($body) = $out =~ /\n\n(.*)\n\z/;
    like $body, qr/^command=returnBalances&nonce=\d{13}$/, 'the body';
    is $sign, hmac_sha512_hex($body, 'ps'), 'Sign is the HMAC of the body';
}

done_testing;
