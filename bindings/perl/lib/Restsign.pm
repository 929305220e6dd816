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
use FFI::Platypus::Buffer ();
use FFI::Platypus::DL qw(dlopen dlclose dlerror RTLD_PLATYPUS_DEFAULT);

our $VERSION = '0.1.0';

# The binding's packages: Carp reports errors at the line of the code that called into them.
our @PACKAGES = qw(Restsign Restsign::Signer Restsign::Nonce Restsign::Request Restsign::Verifier
    Restsign::Verdict Restsign::Error Restsign::Rejected);
our @CARP_NOT = @PACKAGES;

# The status codes and nonce units of include/restsign.h, generated into Restsign::Constants
# (bindings/perl/gen-constants) and exported from here: `use Restsign qw(:status :nonce_unit)`.
use Restsign::Constants ();
our @STATUS     = @Restsign::Constants::STATUS;
our @NONCE_UNIT = @Restsign::Constants::NONCE_UNIT;
BEGIN {
    no strict 'refs';
    *{$_} = \&{"Restsign::Constants::$_"} for @Restsign::Constants::STATUS, @Restsign::Constants::NONCE_UNIT;
}
our @EXPORT_OK   = (@STATUS, @NONCE_UNIT);
our %EXPORT_TAGS = (status => \@STATUS, nonce_unit => \@NONCE_UNIT);

# The SONAME this binding speaks (the C ABI series: see the README's "Versions and the ABI").
our $SONAME = 'librestsign.so.0.1';

# Where the library comes from, first that loads wins: RESTSIGN_LIB (alone, if set); the build
# tree of the repository this binding sits in (target/release, then target/debug, under the
# nearest directory above this file with a Cargo.toml: ../.. from bindings/perl, whether the module
# is read from lib/ or, under `make test`, from blib/lib/); an installed restsign that pkg-config
# knows (its libdir, e.g. a `cmake --install` prefix on PKG_CONFIG_PATH); FFI::CheckLib if
# installed; the dynamic loader's own search for the soname (ld.so.conf, LD_LIBRARY_PATH).
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
    my @pkgconfig = grep { -f } map { File::Spec->catfile($_, $SONAME) } pkg_config_libdir();
    my @found = eval { require FFI::CheckLib; FFI::CheckLib::find_lib(lib => 'restsign') };
    return (@built, @pkgconfig, @found, $SONAME, 'librestsign.so');
}

# `pkg-config --variable=libdir restsign`, or nothing (no pkg-config, or no restsign.pc on its path).
sub pkg_config_libdir {
    my $pkg_config = $ENV{PKG_CONFIG} || 'pkg-config';
    $pkg_config =~ s/'/'\\''/g;
    my $dir = `'$pkg_config' --variable=libdir restsign 2>/dev/null`;
    return if $? != 0 || !defined $dir;
    chomp $dir;
    # restsign.pc names its prefix relative to itself (${pcfiledir}/../..): say it plainly.
    return $dir ne '' ? (abs_path($dir) // $dir) : ();
}

my $FFI;

# The FFI::Platypus instance (api 2) bound to librestsign, for the binding's classes to attach from.
# The library is loaded on first use, not when the module is compiled, so that a missing one is an
# error the caller can catch (eval) and read: it says where it looked and how to point at it.
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
    croak "restsign: cannot load librestsign: install restsign (its .deb, or cmake --install and ldconfig), "
        . "add its prefix's lib/pkgconfig to PKG_CONFIG_PATH, or set RESTSIGN_LIB to the path of librestsign.so; "
        . 'tried ' . join(', ', @tried);
}

# Attaching is deferred to the first call of any attached function, which attaches them all
# (Restsign::_attach declares a stub that does so, then calls the real function). References taken
# to a stub before then still work: the stub calls whatever the name holds.
my @PENDING;
sub _attach {
    my ($names, $args, $ret) = @_;
    my ($c_name, $perl_name) = @$names;
    my $full = $perl_name =~ /::/ ? $perl_name : caller() . "::$perl_name";
    push @PENDING, [$c_name, $full, $args, $ret];
    no strict 'refs';
    *{$full} = sub { _attach_all(); goto &{$full} };
    return;
}

sub _attach_all {
    my $ffi = ffi();
    # Each stub is replaced by its function in the same glob (so that compiled calls reach the
    # function directly), which FFI::Platypus reports as a redefinition.
    local $SIG{__WARN__} = sub { warn @_ unless $_[0] =~ /^Subroutine \S+ redefined/ };
    $ffi->attach([$_->[0] => $_->[1]] => $_->[2] => $_->[3]) for splice @PENDING;
    return;
}

_attach([restsign_strerror => 'strerror'] => ['sint32'] => 'string');
_attach([restsign_version => 'version'] => [] => 'string');
_attach([restsign_scheme_count => '_scheme_count'] => [] => 'size_t');
_attach([restsign_scheme_name => '_scheme_name'] => ['size_t'] => 'string');

# The scheme names the library knows.
sub schemes {
    return map { _scheme_name($_) } 0 .. _scheme_count() - 1;
}

# What the binding's classes share (not API): the output buffer of every *_into-style call, and the
# conversions of Perl values to what the C API takes.

# One output buffer per interpreter: each call copies its text out before returning, so objects
# never see each other's output and a call allocates nothing but the returned string. It grows to
# the largest output asked for (mtgox-stream's signed call, a long key, an expected message).
our ($BUF, $BUF_PTR, $CAP);
sub _grow {
    $CAP = shift;
    FFI::Platypus::Buffer::grow($BUF, $CAP);   # a private buffer, never shared copy-on-write
    $BUF_PTR = FFI::Platypus::Buffer::scalar_to_pointer($BUF);
}
_grow(1024);

# A new ithread gets its own copy of $BUF, at another address.
sub CLONE { _grow($CAP) }

# Calls $fn->(@args, out, out_cap, &out_len) with the buffer, growing it once if the text does not
# fit; the text, or a Restsign::Error with the status.
sub _into {
    my $fn = shift;
    my $len;
    my $status = $fn->(@_, $BUF_PTR, $CAP, \$len);
    if ($status == ERR_BUFFER_TOO_SMALL) {
        _grow($len);
        $status = $fn->(@_, $BUF_PTR, $CAP, \$len);
    }
    Restsign::Error->throw($status) if $status;
    return substr($BUF, 0, $len);
}

# Dies with a Restsign::Error unless $status is OK.
sub _check { Restsign::Error->throw($_[0]) if $_[0] }

# The bytes of a string argument (undef is empty). Character strings are taken as their Latin-1
# bytes, as Digest::SHA does; a wide character cannot be a byte.
sub _bytes {
    my ($value, $what) = @_;
    return '' unless defined $value;
    utf8::downgrade($value, 1)
        or Carp::croak("restsign: the $what has wide characters; encode it to bytes first");
    return $value;
}

# A NUL-terminated argument (a scheme name, a method, a path): one with a NUL (which C would see
# cut short) or a wide character cannot be a valid one, so it is refused with $status, the
# library's own answer to an invalid value of that kind.
sub _text {
    my ($value, $status) = @_;
    $value //= '';
    Restsign::Error->throw($status) if !utf8::downgrade($value, 1) || index($value, "\0") >= 0;
    return $value;
}

# 0 .. 2**63-1 (the range of restsign's nonces), as an integer or a string of decimal digits.
sub _nonce {
    my $n = shift // 0;
    return $n if $n ne '' && $n !~ tr/0-9//c && (length $n < 19 || $n <= 9223372036854775807);
    Carp::croak("restsign: the nonce must be an integer from 0 to 9223372036854775807, got '$n'");
}

require Restsign::Error;

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
signer, L<Restsign::Nonce>, L<Restsign::Request> and L<Restsign::Verifier> for the rest of the
C API, L<Restsign::Error> for errors. L<Restsign::Recipe> loads signing recipes (the presets of
today's exchanges, or your own in TOML or JSON) for C<< Restsign::Signer->from_recipe >>. This module loads the library (from C<RESTSIGN_LIB>, then
this repository's build tree, then the system) and provides:

=over

=item C<Restsign::version()>, C<Restsign::schemes()>, C<Restsign::strerror($status)>

=item the status codes C<OK>, C<ERR_*> (exportable, or C<:status> for all) and nonce units
C<NONCE_UNIT_*> (C<:nonce_unit>), generated from include/restsign.h into L<Restsign::Constants>

=item C<Restsign::ffi()>, the shared FFI::Platypus instance, for the binding's own classes

=back

=head1 FINDING THE LIBRARY

The library is loaded at the first call, not by C<use>; the first that loads of:
C<RESTSIGN_LIB> (a path to F<librestsign.so>; if set, nothing else is tried), the build tree of
the restsign repository this module sits in, the C<libdir> of C<pkg-config restsign> (a prefix
from C<cmake --install>, with its F<lib/pkgconfig> on C<PKG_CONFIG_PATH>), L<FFI::CheckLib> when
installed, and the dynamic loader's own search for F<librestsign.so.0.1>. If none loads, that
first call dies with a message saying what was tried and what to set; catch it with C<eval>.

=head1 SEE ALSO

L<https://github.com/restsign/restsign>: the library, its C API and the command.

=head1 LICENSE

Copyright (c) 2026 The restsign developers.

Dual-licensed under the MIT license or the Apache License, Version 2.0, at your option
(SPDX: C<MIT OR Apache-2.0>); see the F<LICENSE> file of this distribution.

=cut
