# examples/perl/kraken_balance.pl end to end against tests/exchange_stub.py: an independent stand-in
# for Kraken that checks every request as Kraken documents it (API-Sign = base64 of HMAC-SHA512,
# keyed with the base64-decoded secret, over the URL path and SHA-256(nonce + body); increasing
# nonces) with Python's hmac, and answers in Kraken's JSON. Without a base URL the example prints
# its request, whose signature is recomputed here with Digest::SHA. restsign serve will take the
# stub's place once it knows recipes: the example takes its server from KRAKEN_BASE_URL either way.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
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
