# Signers stay in the thread that made them (a copy would free the handle twice), and each thread
# signs into its own copy of the shared output buffer.
use strict;
use warnings;
use Config;
BEGIN { $Config{useithreads} or do { print "1..0 # SKIP this perl has no ithreads\n"; exit 0 } }
use threads;    # before Test2, which must know about threads when it loads
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
use Digest::SHA qw(hmac_sha512_hex);
use Scalar::Util qw(blessed);
use Restsign::Signer;

my $signer = Restsign::Signer->new('poloniex', 'k', 'parent secret');
isa_ok $signer, ['Restsign::Signer'], 'a signer';   # also finishes loading Test2, as threads need
my @threads = map {
    my $n = $_;
    threads->create(sub {
        my $seen = blessed($signer) ? 'copied' : 'not copied';
        my $own = Restsign::Signer->new('poloniex', 'k', "secret $n");
        my @bad = grep { $own->sign('POST', '', "n=$n&i=$_") ne hmac_sha512_hex("n=$n&i=$_", "secret $n") } 1 .. 2000;
        return ($seen, scalar @bad);
    });
} 1 .. 4;
my @bad = grep { $signer->sign('POST', '', "i=$_") ne hmac_sha512_hex("i=$_", 'parent secret') } 1 .. 2000;

for my $t (@threads) {
    is [$t->join], ['not copied', 0], 'a thread gets no copy of the signer and signs with its own';
}
is scalar @bad, 0, 'the parent signed correctly meanwhile';
is $signer->sign('POST', '', 'after'), hmac_sha512_hex('after', 'parent secret'), 'and still does after the joins';

done_testing;
