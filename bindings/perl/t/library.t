# How the library is found; each case runs in a child perl, since a process loads it only once.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
use Cwd ();
use File::Spec;
use Digest::SHA qw(hmac_sha512_hex);
use Restsign;

my $lib_dir = File::Spec->rel2abs("$Bin/../lib");
my $probe = 'print Restsign::Signer->new("poloniex", "k", "s")->sign("POST", "", "a=1"), " ", Restsign::version()';

# Runs $code in a child perl with this binding's lib/ and %env; returns (exit status, output).
sub child {
    my ($code, %env) = @_;
    local @ENV{ keys %env } = values %env;
    my $pid = open my $out, '-|' // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die;
        exec $^X, "-I$lib_dir", '-MRestsign::Signer', '-e', $code or die "exec: $!";
    }
    my $text = do { local $/; <$out> };
    close $out;
    return ($? >> 8, $text);
}

like Restsign::version(), qr/^\d+\.\d+\.\d+$/, 'version';

my ($first) = Restsign::lib_candidates();
my ($status, $out) = child($probe, RESTSIGN_LIB => $first);
is [$status, $out], [0, hmac_sha512_hex('a=1', 's') . ' ' . Restsign::version()], 'RESTSIGN_LIB is used';

($status, $out) = child($probe, RESTSIGN_LIB => '/nonexistent/librestsign.so');
isnt $status, 0, 'a missing library fails';
like $out, qr{^restsign: cannot load librestsign \(set RESTSIGN_LIB to its path\); tried /nonexistent/librestsign\.so \(}, 'and says why';

($status, $out) = child('print join(",", Restsign::lib_candidates()), " "; ' . $probe, RESTSIGN_LIB => '');
is $status, 0, 'found without RESTSIGN_LIB';
my $root = Cwd::abs_path("$Bin/../../..");
like $out, qr{^\Q$root\E/target/(?:release|debug)/librestsign\.so,}, 'the build tree first';

done_testing;
