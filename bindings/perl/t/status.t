# Restsign's status constants are exactly the RESTSIGN_OK / RESTSIGN_ERR_* of include/restsign.h.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
use Restsign;

my $header = "$Bin/../../../include/restsign.h";
open my $fh, '<', $header or die "$header: $!";
my %c = map { /^#define RESTSIGN_(OK|ERR_\w+) (\d+)$/ ? ($1 => $2) : () } <$fh>;
ok scalar(keys %c) > 1, 'the header defines status codes';

my %perl = map { $_ => Restsign->can($_)->() } @Restsign::STATUS;
is \%perl, \%c, 'same names, same numbers';
is [sort @{ $Restsign::EXPORT_TAGS{status} }], [sort keys %c], ':status exports them all';

done_testing;
