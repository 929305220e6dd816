# examples/perl/kraken_balance.pl end to end against tests/exchange_stub.py: an independent stand-in
# for Kraken that checks every request as Kraken documents it (API-Sign = base64 of HMAC-SHA512,
# keyed with the base64-decoded secret, over the URL path and SHA-256(nonce + body); increasing
# nonces) with Python's hmac, and answers in Kraken's JSON. Without a base URL the example prints
# its request, whose signature is recomputed here with Digest::SHA. Then against `restsign serve
# --scheme kraken` (what a user would run, and the check of the verifier): the right credential
# accepted, a wrong secret refused with the server logging what it expected; each reply compared by
# tests/preset_reply.py with the preset's [server.replies] (only its status class while the preset
# declares none). The example takes its server from KRAKEN_BASE_URL either way.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";    # prove -l from anywhere; Server.pm
use File::Temp qw(tempdir);
use Digest::SHA qw(hmac_sha512 sha256);
use MIME::Base64 qw(encode_base64 decode_base64);
use JSON::PP ();
use Restsign::Recipe;

my $root = "$Bin/../../..";
# The example and the exchange stub live in the repository, not in the dist.
skip_all "no examples/perl/kraken_balance.pl and tests/exchange_stub.py above this directory (not in the restsign repository)"
    unless -f "$root/examples/perl/kraken_balance.pl" && -f "$root/tests/exchange_stub.py";
skip_all 'this librestsign has no kraken preset yet (presets land separately)'
    unless eval { Restsign::Recipe->preset('kraken') };
skip_all 'python3 not found: it runs the exchange stub' unless grep { -x "$_/python3" } split /:/, $ENV{PATH} // '';

my $KEY = 'restsign-kraken-test-key';
my $runtime = tempdir(CLEANUP => 1);    # the example's shared nonce state goes to $XDG_RUNTIME_DIR/restsign

# Runs examples/perl/kraken_balance.pl with %env on top of ours (no base URL unless given);
# (exit status, output with stderr).
sub example {
    my (%env) = @_;
    local $ENV{XDG_RUNTIME_DIR} = $runtime;
    local $ENV{KRAKEN_BASE_URL};
    delete $ENV{KRAKEN_BASE_URL};
    local @ENV{ keys %env } = values %env;
    my $pid = open my $out, '-|' // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die;
        exec $^X, "$root/examples/perl/kraken_balance.pl" or die "exec: $!";
    }
    my $text = do { local $/; <$out> };
    close $out;
    return ($? >> 8, $text);
}

# Starts the stub for $exchange: (pid, base URL, log file).
sub stub {
    my ($exchange, %cred) = @_;
    my $log = "$runtime/stub-$exchange.log";
    local @ENV{qw(STUB_KEY STUB_SECRET)} = @cred{qw(key secret)};
    my $pid = open my $out, '-|' // die "fork: $!";
    if (!$pid) {
        open STDERR, '>', $log or die "$log: $!";
        exec 'python3', "$root/tests/exchange_stub.py", $exchange or die "exec: $!";
    }
    my $line = <$out>;
    die "the stub did not start: ${\ ($line // '')}" unless defined $line && $line =~ m{^listening on (http://127\.0\.0\.1:\d+)$};
    return ($pid, $1, $log, $out);
}

{
    my $secret = encode_base64(join('', map { chr int rand 256 } 1 .. 64), '');
    my ($pid, $url, $log, $pipe) = stub('kraken', key => $KEY, secret => $secret);
    my %env = (KRAKEN_BASE_URL => $url, KRAKEN_KEY => $KEY, KRAKEN_SECRET => $secret);
    for my $run (1, 2) {    # twice: the second run's nonce must be above the first's
        my ($status, $out) = example(%env);
        is $status, 0, "run $run: exit status" or diag $out;
        my $balances = eval { JSON::PP->new->decode($out) };
        is $balances, hash { field XXBT => '0.0011000000'; field ZUSD => '171288.6158'; etc() }, "run $run: the balances" or diag $out;
    }
    my ($status, $out) = example(%env, KRAKEN_SECRET => encode_base64('not the secret', ''));
    is $status, 1, 'a wrong secret fails';
    like $out, qr/"EAPI:Invalid signature"/, 'Kraken said why';
    ($status, $out) = example(%env, KRAKEN_KEY => 'another-key');
    is $status, 1, 'a wrong key fails';
    like $out, qr/"EAPI:Invalid key"/, 'Kraken said why';
    ($status, $out) = example(%env, KRAKEN_SECRET => 'not base64 !');
    isnt $status, 0, 'a secret that is not base64 fails before sending';
    like $out, qr/base64/, 'saying so';
    kill 'TERM', $pid;
    waitpid $pid, 0;
    is $?, 0, 'the stub stopped cleanly';
    open my $fh, '<', $log or die;
    is [<$fh>], ["accepted POST /0/private/Balance\n", "accepted POST /0/private/Balance\n",
        "refused POST /0/private/Balance: EAPI:Invalid signature\n", "refused POST /0/private/Balance: EAPI:Invalid key\n"],
        'the stub saw two good requests and two bad ones';
}

# tests/preset_reply.py: the reply ($status, $body) against the preset's [server.replies].$kind.
sub reply_ok {
    my ($kind, $status, $body, $name) = @_;
    my $file = "$runtime/reply-body";
    open my $fh, '>', $file or die "$file: $!";
    print $fh $body;
    close $fh;
    chomp(my $said = `python3 $root/tests/preset_reply.py kraken $kind $status $file 2>&1`);
    ok $? == 0, "$name: $said" or diag $body;
}

# Whether the kraken preset declares [server.replies].$kind.
sub declares { system('python3', "$root/tests/preset_reply.py", '--has', 'kraken', $_[0]) == 0 }

{
    require Server;
    my $secret = encode_base64(join('', map { chr int rand 256 } 1 .. 64), '');
    my $key = "restsign-kraken-key-" . int rand 1e9;
    my $server = Server->new('kraken', $key, $secret);
    my %env = (KRAKEN_BASE_URL => $server->url, KRAKEN_KEY => $key, KRAKEN_SECRET => $secret);
    for my $run (1, 2) {    # twice: the server wants the second run's nonce above the first's
        my ($status, $out) = example(%env);
        if ($status == 0 || declares('success')) {
            is $status, 0, "serve, run $run: the example succeeds" or diag $out, $server->log;
        } else {
            # serve's stand-in success reply ({"key":...}) has no Kraken "error" list, so the
            # example, rightly, does not take it for Kraken's success: the request was accepted all
            # the same (HTTP 200, serve's data about it) until the preset declares Kraken's reply.
            my ($line, $body) = split /\n/, $out, 2;
            like $line, qr/^200 /, "serve, run $run: accepted (HTTP 200)" or diag $out, $server->log;
            like $body, qr/"key":"\Q$key\E"/, "serve, run $run: serve's answer for the key";
            reply_ok('success', 200, $body, "serve, run $run: the success reply");
        }
        unlike $server->log, qr/restsign serve: POST/, "serve, run $run: nothing refused";
    }
    my $before = length $server->log;
    my ($status, $out) = example(%env, KRAKEN_SECRET => encode_base64('not the secret', ''));
    is $status, 1, 'serve: a wrong secret fails';
    my ($line, $body) = split /\n/, $out, 2;
    my ($code) = $line =~ /^(\d{3}) /;
    ok defined $code, "serve: the example printed the HTTP status ($line)" or diag $out;
    reply_ok('bad_signature', $code // 0, $body, 'serve: the refusal');
    like $body, qr/EAPI:Invalid signature/, "serve: Kraken's own error" if declares('bad_signature');
    my $log = substr $server->log, $before;
    like $log, qr{^restsign serve: POST /0/private/Balance: invalid signature for key \Q$key\E\n  expected message:   ".+"\n  expected signature: \S+\n  received signature: \S+\n}m,
        'serve logged the message and signature it expected' or diag $log;
    is $server->stop, 0, 'serve stopped cleanly';
}

{
    my $secret = encode_base64('print mode secret', '');
    my ($status, $out) = example(KRAKEN_KEY => 'pub', KRAKEN_SECRET => $secret);
    is $status, 0, 'prints without a base URL' or diag $out;
    like $out, qr{^POST https://api\.kraken\.com/0/private/Balance\n}, 'the request line';
    my %h = map { /^([\w-]+): (.*)$/ ? ($1 => $2) : () } split /\n/, (split /\n\n/, $out)[0];
    my ($body) = $out =~ /\n\n(.*)\n\z/;
    like $body, qr/^nonce=(\d{13})$/, 'a millisecond nonce';
    my ($nonce) = $body =~ /(\d+)/;
    is $h{'API-Key'}, 'pub', 'API-Key';
    is $h{'API-Sign'}, encode_base64(hmac_sha512('/0/private/Balance' . sha256($nonce . $body), decode_base64($secret)), ''),
        'API-Sign as Kraken documents it';
}

done_testing;
