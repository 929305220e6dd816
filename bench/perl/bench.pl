#!/usr/bin/env perl
# Signing from Perl: Restsign::Signer against Digest::SHA, end to end from the script, for a
# 68-byte form body and a 64-byte secret (docs/PERFORMANCE.md's inputs): HMAC-SHA512 in hex
# (poloniex), HMAC-SHA256 in hex (viabtc), HMAC-SHA512 in base64 (mtgox-v1, whose secret
# Digest::SHA gets already base64-decoded, once; MIME::Base64 pads as MtGox wants). restsign is
# timed three ways: $signer->sign (a method call), $signer->sign_fn (a closure for one method and
# path), and, to show where the time goes, the bare attached FFI function both end in
# (restsign_signer_sign_into into a preallocated buffer) without their argument checks, and the
# same call with a NULL signer, which the library refuses at once: what the call alone costs. The
# bare call less that one is the library's own work; Digest::SHA over the bare call is the best
# ratio any binding making this call could reach.
#
#   perl bench/perl/bench.pl [ROUNDS]    (default 31; needs target/release/librestsign.so or RESTSIGN_LIB)
#
# Competitors run interleaved, A B C D, A B C D, ..., each a batch of about 10 ms, and each reports
# its median per call over the rounds: load on a shared machine moves all of them alike. Every
# competitor's output is first checked against Digest::SHA's. Speed is reported here, never asserted.
use strict;
use warnings;
use FindBin qw($Bin);
use lib "$Bin/../../bindings/perl/lib";
use Time::HiRes qw(time);
use Digest::SHA qw(hmac_sha512_hex hmac_sha256_hex hmac_sha512);
use MIME::Base64 qw(encode_base64);
use FFI::Platypus::Buffer qw(grow scalar_to_pointer);
use Restsign::Signer;

my $rounds = shift // 31;
my $body = 'command=returnBalances&nonce=1700000000000000&account=all&extra=1234';
my $secret = "rs\xa5\x00sign" x 8;    # 64 bytes, binary
die "bench bug: the inputs are not 68 and 64 bytes\n" unless length $body == 68 && length $secret == 64;

Restsign::ffi()->attach([restsign_signer_sign_into => 'bare_sign_into'] =>
    ['opaque', 'string', 'string', 'size_t', 'string', 'size_t', 'uint64', 'opaque', 'size_t', 'size_t*'] => 'sint32');
my $out;
grow($out, 256);
my $out_ptr = scalar_to_pointer($out);

# name => sub { runs the call $_[0] times, returns the last result }
sub competitors {
    my ($scheme, $digest, $base64) = @_;
    my $signer = Restsign::Signer->new($scheme, 'bench-key', $base64 ? encode_base64($secret, '') : $secret);
    my $sign = $signer->sign_fn('POST', '');
    my $handle = $$signer;
    return (
        'Digest::SHA' => $base64
            ? sub { my $x; $x = encode_base64($digest->($body, $secret), '') for 1 .. $_[0]; $x }
            : sub { my $x; $x = $digest->($body, $secret) for 1 .. $_[0]; $x },
        'sign' => sub { my $x; $x = $signer->sign('POST', '', $body) for 1 .. $_[0]; $x },
        'sign_fn' => sub { my $x; $x = $sign->($body) for 1 .. $_[0]; $x },
        'bare FFI call' => sub {
            my ($x, $len);
            for (1 .. $_[0]) {
                bare_sign_into($handle, 'POST', '', 0, $body, 68, 0, $out_ptr, 256, \$len);
                $x = substr($out, 0, $len);
            }
            $x;
        },
        'FFI call, no work' => sub {
            my ($x, $len);
            $x = bare_sign_into(undef, 'POST', '', 0, $body, 68, 0, $out_ptr, 256, \$len) for 1 .. $_[0];
            $x;
        },
    );
}

my @names = ('Digest::SHA', 'sign', 'sign_fn', 'bare FFI call', 'FFI call, no work');
printf "perl %vd, FFI::Platypus %s, Digest::SHA %s, librestsign %s; %d-byte body, %d-byte secret; %d rounds, medians in ns per call\n\n",
    $^V, $FFI::Platypus::VERSION, $Digest::SHA::VERSION, Restsign::version(), length $body, length $secret, $rounds;
print "| HMAC | Digest::SHA | sign | sign_fn | bare FFI call | FFI call, no work | Digest::SHA / sign | Digest::SHA / sign_fn | Digest::SHA / bare FFI call |\n";
print "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
for my $row (['HMAC-SHA512, hex', 'poloniex', \&hmac_sha512_hex, 0], ['HMAC-SHA256, hex', 'viabtc', \&hmac_sha256_hex, 0],
    ['HMAC-SHA512, base64', 'mtgox-v1', \&hmac_sha512, 1])
{
    my ($label, @how) = @$row;
    my %call = competitors(@how);
    my $expected = $call{'Digest::SHA'}->(1);
    for (grep { $_ ne 'FFI call, no work' } @names) {
        my $got = $call{$_}->(2);
        die "$label: $_ gives $got, Digest::SHA $expected\n" unless $got eq $expected;
    }
    my $refused = $call{'FFI call, no work'}->(1);
    die "$label: a NULL signer gives status $refused\n" unless $refused == Restsign::Constants::ERR_NULL_HANDLE();
    # A batch of about 10 ms of Digest::SHA.
    my $start = time;
    $call{'Digest::SHA'}->(2000);
    my $batch = int(2000 * 0.01 / (time - $start)) || 100;
    my %times;
    for (1 .. $rounds) {
        for my $name (@names) {
            $start = time;
            $call{$name}->($batch);
            push @{ $times{$name} }, (time - $start) / $batch * 1e9;
        }
    }
    my %median = map { my @t = sort { $a <=> $b } @{ $times{$_} }; ($_ => $t[@t / 2]) } @names;
    my $ref = $median{'Digest::SHA'};
    printf "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | **%.2fx** | **%.2fx** | %.2fx |\n", $label, @median{@names},
        $ref / $median{sign}, $ref / $median{sign_fn}, $ref / $median{'bare FFI call'};
}
