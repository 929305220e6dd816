# The known-answer vectors the seed documents publish (tests/vectors/seed-vectors.json).
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
use JSON::PP ();
use Restsign::Signer;

my $file = "$Bin/../../../tests/vectors/seed-vectors.json";
skip_all "no tests/vectors above this directory (not in the restsign repository)" unless -f $file;
open my $fh, '<:raw', $file or die "$file: $!";
my $vectors = JSON::PP->new->decode(do { local $/; <$fh> })->{vectors};
is scalar @$vectors, 3, 'three published vectors';

for my $v (@$vectors) {
    my $signer = Restsign::Signer->new(@$v{qw(scheme key secret)});
    my @request = @$v{qw(method path payload nonce)};
    is $signer->sign(@request), $v->{signature}, "$v->{source}: signature";
    my %headers = map { split /: /, $_, 2 } $signer->headers(@request);
    ok((grep { $_ eq $v->{signature} } values %headers), "$v->{source}: a header carries it");
}

done_testing;
