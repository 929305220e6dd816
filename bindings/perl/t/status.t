# Restsign's constants are exactly the RESTSIGN_OK / RESTSIGN_ERR_* and RESTSIGN_NONCE_UNIT_* of
# include/restsign.h, and lib/Restsign/Constants.pm is what gen-constants makes of it today.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
use Restsign;

my $header = "$Bin/../../../include/restsign.h";
# An unpacked dist has no header beside it: Constants.pm was checked when the dist was made.
skip_all "no include/restsign.h above this directory (not in the restsign repository)" unless -f $header;
open my $fh, '<', $header or die "$header: $!";
my @lines = <$fh>;
my %status = map { /^#define RESTSIGN_(OK|ERR_\w+) (\d+)$/ ? ($1 => $2) : () } @lines;
my %units  = map { /^#define RESTSIGN_(NONCE_UNIT_\w+) (\d+)$/ ? ($1 => $2) : () } @lines;
ok scalar(keys %status) > 1, 'the header defines status codes';
ok scalar(keys %units) > 1, 'and nonce units';

is { map { $_ => Restsign->can($_)->() } @Restsign::STATUS }, \%status, 'status codes: same names, same numbers';
is { map { $_ => Restsign->can($_)->() } @Restsign::NONCE_UNIT }, \%units, 'nonce units: same names, same numbers';
is [sort @{ $Restsign::EXPORT_TAGS{status} }], [sort keys %status], ':status exports every code';
is [sort @{ $Restsign::EXPORT_TAGS{nonce_unit} }], [sort keys %units], ':nonce_unit exports every unit';

my $out = `$^X $Bin/../gen-constants --check 2>&1`;
is [$? >> 8, $out], [0, ''], 'lib/Restsign/Constants.pm is fresh (else run bindings/perl/gen-constants)';

done_testing;
