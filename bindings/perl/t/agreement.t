# 1,000 random requests per scheme, each signed by the binding and by t/lib/Reference.pm
# (Digest::SHA, MIME::Base64). Inputs come from srand(RESTSIGN_TEST_SEED or a fresh seed, printed
# on failure) so a failure can be replayed.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";    # prove -l from anywhere; Reference.pm
use Reference;
use Restsign::Signer;

my $PER_SCHEME = 1000;
# Around the SHA-256 (64) and SHA-512 (128) block and padding boundaries, and beyond.
my @LENGTHS = (0, 1, 2, 55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 120, 127, 128, 129, 191, 192, 255, 256, 257, 1000, 4096);
my @METHODS = qw(GET POST PUT DELETE HEAD PATCH get post M-SEARCH X_CUSTOM~1);
my @SCHEMES = qw(apiauth poloniex mtgox-v1 mtgox-v2 mtgox-stream coinpayments viabtc);
my $MAX = 9223372036854775807;

# Test2::V0 seeds srand from the date; a fresh seed per run covers more ground.
my $seed = $ENV{RESTSIGN_TEST_SEED} || (time ^ ($$ << 15)) & 0x7fffffff;
srand($seed);
note "seed $seed (set RESTSIGN_TEST_SEED to replay)";

my %listed = map { $_ => 1 } Restsign::Signer->schemes;
is [grep { $listed{$_} } @SCHEMES], \@SCHEMES, 'every seed scheme is listed (among the exchange presets)';

# Half block-boundary lengths up to $max_edge, half uniform up to $max.
sub length_up_to {
    my ($max, $max_edge) = @_;
    my @edges = grep { $_ <= ($max_edge // $max) } @LENGTHS;
    return rand() < 0.5 ? $edges[rand @edges] : int(rand($max + 1));
}
sub bytes { join '', map { chr int rand 256 } 1 .. shift }                  # NUL included
sub path_bytes { join '', map { chr(rand() < 0.2 ? 0x80 + int rand 0x80 : 0x21 + int rand 0x5e) } 1 .. shift }    # no control bytes, space or DEL (refused)
sub key_text {                                                               # no control bytes
    join '', map { chr(rand() < 0.2 ? 0x80 + int rand 0x80 : 0x20 + int rand 0x5f) } 1 .. 1 + int rand 64;
}
sub uuid {
    my $u = join '-', unpack 'A8 A4 A4 A4 A12', unpack('H*', bytes(16));
    return rand() < 0.5 ? uc $u : $u;
}
sub rand63 { (int(rand(2**31)) << 32) | (int(rand(2**31)) << 1) | int(rand(2)) }
sub nonce {                                                                  # 1 .. 2**63-1 (apiauth refuses 0)
    my $r = int rand 6;
    return (1, 2, 2147483648, 4294967295, 4294967296, 9007199254740993, $MAX - 1, $MAX)[rand 8] if $r == 0;
    return 1_500_000_000_000 + int rand 500_000_000_000 if $r == 1;          # milliseconds
    return 1_500_000_000_000_000 + int rand 500_000_000_000_000 if $r == 2;  # microseconds
    return rand63();
}

for my $scheme (@SCHEMES) {
    my $failures = 0;
    for my $i (1 .. $PER_SCHEME) {
        my $key = $scheme eq 'mtgox-stream' ? uuid() : key_text();
        # Secrets from 1 byte to well past both block sizes (HMAC hashes keys longer than a block).
        my $secret_bytes = bytes(length_up_to(rand() < 0.25 ? 300 : 130) || 1);
        my $secret = $scheme =~ /^mtgox/ ? MIME::Base64::encode_base64($secret_bytes, '') : $secret_bytes;
        my $method = $METHODS[rand @METHODS];
        my $path = path_bytes(length_up_to(80));
        my $payload = bytes(length_up_to(600, 4096));
        my $nonce = nonce();
        # Half the nonces go in as decimal strings, which sign() also takes.
        my $nonce_arg = rand() < 0.5 ? "$nonce" : $nonce;
        my $case = sprintf 'seed %d, %s case %d (method %s, path %d B, payload %d B, secret %d B, nonce %s)',
            $seed, $scheme, $i, $method, length $path, length $payload, length $secret_bytes, $nonce;

        my $expected = Reference::sign($scheme, $key, $secret, $path, $payload, $nonce);
        # A quarter of the requests pass the same strings upgraded to Perl's UTF-8 representation:
        # a string's characters are its bytes, however Perl stores them.
        utf8::upgrade($_) for rand() < 0.25 ? ($key, $secret, $path, $payload) : ();
        my $signer = Restsign::Signer->new($scheme, $key, $secret);
        # One assertion per request would be 13,000 lines of output: compare, and report failures.
        my $got = $signer->sign($method, $path, $payload, $nonce_arg);
        $failures++, is($got, $expected, "$case: signature") if $got ne $expected;
        if ($scheme ne 'mtgox-stream') {
            my @got = $signer->headers($method, $path, $payload, $nonce_arg);
            my @want = Reference::headers($scheme, $key, $method, $nonce, $expected);
            $failures++, is(\@got, \@want, "$case: headers") if join("\n", @got) ne join("\n", @want);
        }
        last if $failures >= 5;
    }
    is $failures, 0, "$scheme: $PER_SCHEME random requests agree with Digest::SHA";
}

# Inputs far larger than the first output buffer: a 10 kB key makes the header block outgrow it,
# and mtgox-stream's signed call of a 1 MB payload is 1.4 MB.
for my $scheme (@SCHEMES) {
    my $key = $scheme eq 'mtgox-stream' ? uuid() : 'k' x 10_000;
    my $secret = bytes(100_000);
    $secret = MIME::Base64::encode_base64($secret, '') if $scheme =~ /^mtgox/;
    my ($path, $payload) = (path_bytes(10_000), bytes(1_000_000));
    my $signer = Restsign::Signer->new($scheme, $key, $secret);
    my $expected = Reference::sign($scheme, $key, $secret, $path, $payload, $MAX);
    for my $round (1, 2) {    # the second call reuses the grown buffer
        is $signer->sign('POST', $path, $payload, $MAX), $expected, "$scheme: long inputs, call $round";
        is [$signer->headers('POST', $path, $payload, $MAX)], [Reference::headers($scheme, $key, 'POST', $MAX, $expected)],
            "$scheme: long inputs, headers $round"
            if $scheme ne 'mtgox-stream';
    }
}

done_testing;
