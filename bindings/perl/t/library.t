# How the library is found; each case runs in a child perl, since a process loads it only once.
# Passes wherever the library is found (RESTSIGN_LIB, the build tree, pkg-config, the loader).
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
use Cwd ();
use File::Spec;
use File::Temp qw(tempdir);
use Digest::SHA qw(hmac_sha512_hex);
use Restsign;

my $lib_dir = File::Spec->rel2abs("$Bin/../lib");
my $probe = 'print Restsign::Signer->new("poloniex", "k", "s")->sign("POST", "", "a=1"), " ", Restsign::version()';
my $want = hmac_sha512_hex('a=1', 's');

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
is [$status, $out], [0, "$want " . Restsign::version()], 'RESTSIGN_LIB is used';

# A missing library: `use` still compiles; the first call dies with an error one can catch, which
# says what to do.
($status, $out) = child(
    'my $ok = eval { Restsign::Signer->new("poloniex", "k", "s"); 1 }; print $ok ? "loaded" : "caught: $@"',
    RESTSIGN_LIB => '/nonexistent/librestsign.so',
);
is $status, 0, 'a missing library does not fail at use time';
like $out, qr{^caught: restsign: cannot load librestsign: }, 'it is a catchable error at the first call';
like $out, qr{PKG_CONFIG_PATH}, 'which names pkg-config';
like $out, qr{set RESTSIGN_LIB to the path of librestsign\.so; tried /nonexistent/librestsign\.so \(}, 'and RESTSIGN_LIB, and what was tried';

# pkg-config: an installed restsign's libdir (a scratch prefix whose restsign.pc points at a copy
# of the library under its soname).
SKIP: {
    my $pkg_config = $ENV{PKG_CONFIG} || 'pkg-config';    # as Restsign.pm runs it
    skip "no pkg-config ($pkg_config)", 2 unless system("'$pkg_config' --version >/dev/null 2>&1") == 0;
    my $prefix = tempdir(CLEANUP => 1);
    mkdir "$prefix/lib";
    mkdir "$prefix/lib/pkgconfig";
    symlink(Cwd::abs_path($first) // $first, "$prefix/lib/$Restsign::SONAME") or skip "symlink: $!", 2;
    open my $pc, '>', "$prefix/lib/pkgconfig/restsign.pc" or die;
    print $pc "prefix=$prefix\nlibdir=\${prefix}/lib\n\nName: restsign\nDescription: test\nVersion: 0.0.0\nLibs: -L\${libdir} -lrestsign\n";
    close $pc;
    ($status, $out) = child('print join(",", Restsign::lib_candidates())', RESTSIGN_LIB => '', PKG_CONFIG_PATH => "$prefix/lib/pkgconfig");
    like $out, qr{(?:^|,)\Q$prefix/lib/$Restsign::SONAME\E,}, 'pkg-config\'s libdir is a candidate';
    # Without a build tree above it (an installed or unpacked dist), it is the one loaded.
    my @built = grep { m{/target/(?:release|debug)/} } Restsign::lib_candidates();
    ($status, $out) = child($probe, RESTSIGN_LIB => '', PKG_CONFIG_PATH => "$prefix/lib/pkgconfig");
    is [$status, $out], [0, "$want " . Restsign::version()], 'and loads (' . (@built ? 'after the build tree' : 'first') . ')';
}

# Without RESTSIGN_LIB, where it is found depends on where this runs: the build tree first when
# there is one, else pkg-config's libdir, else the loader. Only when RESTSIGN_LIB alone finds it
# is there nothing to check.
($status, $out) = child('print join(",", Restsign::lib_candidates()), " "; ' . $probe, RESTSIGN_LIB => '');
SKIP: {
    skip 'the library is found only through RESTSIGN_LIB here', 2 if $status != 0 && $out =~ /cannot load librestsign/;
    is $status, 0, 'found without RESTSIGN_LIB';
    my $root = Cwd::abs_path("$Bin/../../..");
    my ($source) = grep { -f } "$root/Cargo.toml";
    if ($source && -f "$root/target/release/librestsign.so") {
        like $out, qr{^\Q$root\E/target/(?:release|debug)/librestsign\.so,}, 'the build tree first';
    } elsif (my ($dir) = Restsign::pkg_config_libdir()) {
        like $out, qr{^\Q$dir\E/}, "pkg-config's libdir first ($dir)";
    } else {
        like $out, qr{(?:^|,)\Q$Restsign::SONAME\E,}, 'the loader, by soname';
    }
}

done_testing;
