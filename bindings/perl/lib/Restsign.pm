package Restsign;

# Loads librestsign once per interpreter and holds what every class of the binding shares: the
# FFI::Platypus instance, the status codes, the library's messages, version and scheme list.

use strict;
use warnings;
use Carp qw(croak);
use Exporter qw(import);
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use File::Spec;
use FFI::Platypus 2.00;
use FFI::Platypus::DL qw(dlopen dlclose dlerror RTLD_PLATYPUS_DEFAULT);

our $VERSION = '0.1.0';

# The C API's status codes (include/restsign.h; t/status.t checks this table against it).
use constant {
    OK                      => 0,
    ERR_NULL_ARGUMENT       => 1,
    ERR_NULL_WITH_LENGTH    => 2,
    ERR_NULL_HANDLE         => 3,
    ERR_BUFFER_TOO_SMALL    => 4,
    ERR_UNKNOWN_SCHEME      => 5,
    ERR_EMPTY_SECRET        => 6,
    ERR_SECRET_NOT_BASE64   => 7,
    ERR_KEY_NOT_UUID        => 8,
    ERR_INVALID_KEY         => 9,
    ERR_INVALID_METHOD      => 10,
    ERR_NO_HEADERS          => 11,
    ERR_TOO_LONG            => 12,
    ERR_INTERNAL            => 13,
};
our @STATUS = qw(
    OK ERR_NULL_ARGUMENT ERR_NULL_WITH_LENGTH ERR_NULL_HANDLE ERR_BUFFER_TOO_SMALL
    ERR_UNKNOWN_SCHEME ERR_EMPTY_SECRET ERR_SECRET_NOT_BASE64 ERR_KEY_NOT_UUID ERR_INVALID_KEY
    ERR_INVALID_METHOD ERR_NO_HEADERS ERR_TOO_LONG ERR_INTERNAL
);
our @EXPORT_OK = @STATUS;
our %EXPORT_TAGS = (status => \@STATUS);

# Where the library comes from, first that loads wins: RESTSIGN_LIB (alone, if set); the build
# tree of the repository this binding sits in (target/release, then target/debug, under the
# nearest directory above this file with a Cargo.toml: ../.. from bindings/perl, whether the module
# is read from lib/ or, under `make test`, from blib/lib/); the system (FFI::CheckLib if installed,
# then the dynamic loader's search for the soname).
sub lib_candidates {
    return ($ENV{RESTSIGN_LIB}) if defined $ENV{RESTSIGN_LIB} && $ENV{RESTSIGN_LIB} ne '';
    my @built;
    for (my $dir = abs_path(dirname(__FILE__)); defined $dir; $dir = dirname($dir)) {
        if (-f File::Spec->catfile($dir, 'Cargo.toml')) {
            @built = grep { -f } map { File::Spec->catfile($dir, 'target', $_, 'librestsign.so') } qw(release debug);
            last;
        }
        last if $dir eq dirname($dir);
    }
    my @found = eval { require FFI::CheckLib; FFI::CheckLib::find_lib(lib => 'restsign') };
    return (@built, @found, 'librestsign.so.0.1', 'librestsign.so');
}

my $FFI;

# The FFI::Platypus instance (api 2) bound to librestsign, for the binding's classes to attach from.
sub ffi {
    return $FFI if $FFI;
    my @tried;
    for my $lib (lib_candidates()) {
        if (my $handle = dlopen($lib, RTLD_PLATYPUS_DEFAULT)) {
            dlclose($handle);
            return $FFI = FFI::Platypus->new(api => 2, lib => [$lib]);
        }
        push @tried, "$lib (" . (dlerror() // 'not loadable') . ')';
    }
    croak 'restsign: cannot load librestsign (set RESTSIGN_LIB to its path); tried ' . join(', ', @tried);
}

ffi()->attach([restsign_strerror => 'strerror'] => ['sint32'] => 'string');
ffi()->attach([restsign_version => 'version'] => [] => 'string');
ffi()->attach([restsign_scheme_count => '_scheme_count'] => [] => 'size_t');
ffi()->attach([restsign_scheme_name => '_scheme_name'] => ['size_t'] => 'string');

# The scheme names the library knows.
sub schemes {
    return map { _scheme_name($_) } 0 .. _scheme_count() - 1;
}

1;

__END__

=head1 NAME

Restsign - sign requests to crypto-exchange and payment APIs (HMAC + nonce) with librestsign

=head1 SYNOPSIS

    use Restsign::Signer;

    my $signer  = Restsign::Signer->new('poloniex', $api_key, $api_secret);
    my $body    = "command=returnBalances&nonce=$nonce";
    my @headers = $signer->headers('POST', '', $body);   # ("Key: ...", "Sign: ...")
    my $tag     = $signer->sign('POST', '', $body);      # just the signature text

    Restsign::schemes();   # apiauth poloniex mtgox-v1 mtgox-v2 mtgox-stream coinpayments viabtc
    Restsign::version();   # "0.1.0"

    use Restsign qw(:status);
    my $ok = eval { Restsign::Signer->new('mtgox-v1', $key, 'not base64!'); 1 };
    if (!$ok && ref $@ && $@->isa('Restsign::Error') && $@->code == ERR_SECRET_NOT_BASE64) { ... }

=head1 DESCRIPTION

A thin FFI::Platypus binding: signing happens in librestsign. See L<Restsign::Signer> for the
signer, L<Restsign::Error> for errors. This module loads the library (from C<RESTSIGN_LIB>, then
this repository's build tree, then the system) and provides:

=over

=item C<Restsign::version()>, C<Restsign::schemes()>, C<Restsign::strerror($status)>

=item the status codes C<OK>, C<ERR_*> (exportable, or C<:status> for all)

=item C<Restsign::ffi()>, the shared FFI::Platypus instance, for the binding's own classes

=back

=cut
