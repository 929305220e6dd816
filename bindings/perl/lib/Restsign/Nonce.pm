package Restsign::Nonce;

# A source of strictly increasing nonces: a thin wrapper over restsign_nonce_*. The object is a
# blessed reference to the C handle; DESTROY is restsign_nonce_free (signers made with a source
# keep their own reference to it in the library).

use strict;
use warnings;
use Restsign qw(:status :nonce_unit);
use Restsign::Error;

our @CARP_NOT = @Restsign::PACKAGES;

Restsign::_attach([restsign_scheme_nonce_unit => '_scheme_unit'] => ['string', 'sint32*'] => 'sint32');
Restsign::_attach([restsign_nonce_new_memory => '_new_memory'] => ['sint32', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_nonce_new_file => '_new_file'] => ['string', 'string', 'size_t', 'sint32', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_nonce_new_redis_prefix => '_new_redis']
    => ['string', 'size_t', 'string', 'size_t', 'string', 'size_t', 'sint32', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_nonce_next => '_next'] => ['opaque', 'uint64*'] => 'sint32');
Restsign::_attach([restsign_nonce_free => '_free'] => ['opaque'] => 'void');

# As for signers: a copy in a new thread would free the handle twice.
sub CLONE_SKIP { 1 }

sub DESTROY { _free(${ $_[0] }) }

# The default unit of $scheme (one of the NONCE_UNIT_* constants).
sub scheme_unit {
    my ($class, $scheme) = @_;
    my $unit;
    Restsign::_check(_scheme_unit(Restsign::_text($scheme, ERR_UNKNOWN_SCHEME), \$unit));
    return $unit;
}

# An in-process source: max(now in $unit, last + 1).
sub memory {
    my ($class, $unit) = @_;
    my $handle;
    Restsign::_check(_new_memory(_unit($unit), \$handle));
    return bless \$handle, $class;
}

# A source shared by every process on this host through a state file: $path, or when undef the
# library's default for $key.
sub file {
    my ($class, $path, $key, $unit) = @_;
    $path = Restsign::_text($path, ERR_NONCE_STATE_IO) if defined $path;
    $key = Restsign::_bytes($key, 'key');
    my $handle;
    Restsign::_check(_new_file($path, $key, length $key, _unit($unit), \$handle));
    return bless \$handle, $class;
}

# A source shared by every host that reaches the same Redis server: each draw is one atomic
# script there, max(now, last + 1) in $unit with now from the server's clock. $prefix (optional)
# replaces "restsign:" in the key names.
sub redis {
    my ($class, $url, $key, $unit, $prefix) = @_;
    $url = Restsign::_bytes($url, 'Redis URL');
    $key = Restsign::_bytes($key, 'key');
    $prefix = Restsign::_bytes($prefix, 'prefix') if defined $prefix;
    my $handle;
    Restsign::_check(_new_redis($url, length $url, $prefix, defined $prefix ? length $prefix : 0, $key, length $key,
        _unit($unit), \$handle));
    return bless \$handle, $class;
}

# A unit as C's int32_t: anything else is not a unit (ERR_INVALID_UNIT, as the library says).
sub _unit {
    my $unit = shift // '';
    Restsign::Error->throw(ERR_INVALID_UNIT) unless $unit =~ /\A[0-9]{1,9}\z/;
    return $unit;
}

sub next {
    my $n;
    Restsign::_check(_next(${ $_[0] }, \$n));
    return $n;
}

1;

__END__

=head1 NAME

Restsign::Nonce - strictly increasing nonces from librestsign, per process or per host

=head1 SYNOPSIS

    use Restsign qw(:nonce_unit);
    use Restsign::Nonce;

    my $nonces = Restsign::Nonce->file('/run/me/poloniex.nonce', $api_key, NONCE_UNIT_MILLIS);
    my $n = $nonces->next;        # unique across every process using that file
    my $signer = Restsign::Signer->new('poloniex', $api_key, $api_secret, $nonces);

=head1 METHODS

=over

=item C<< Restsign::Nonce->memory($unit) >>

An in-process source: each value is C<max(now in $unit, last + 1)>, one atomic compare-and-swap.

=item C<< Restsign::Nonce->file($path, $key, $unit) >>

A source shared by every process on the host that opens the same state file (C<$path>, or when
undef the library's default for C<$key>). The file is created (mode 0600) if missing; a file that
is damaged, too short, or made for another key or unit is an error (C<ERR_NONCE_STATE_*>), never a
silent reset.

=item C<< Restsign::Nonce->redis($url, $key, $unit [, $prefix]) >>

A source shared by every process on every host that reaches the same Redis server: each draw is
one atomic Lua script on the server, C<max(now, last + 1)> in C<$unit>, with C<now> from the
server's own clock. C<$url> is C<redis://[user:password@]host:port/db>, C<redis+unix:///path> or
C<unix:///path> (C<?timeout_ms=N>, default 1000). The counter lives under
C<< <prefix>nonce:<hash of $key> >> (C<$prefix> defaults to C<restsign:>). Only the URL is checked
here; a draw that cannot reach Redis dies with its own status (C<ERR_REDIS_UNAVAILABLE>,
C<ERR_REDIS_TIMEOUT>, C<ERR_REDIS_AUTH>, ...), never a nonce from a local clock.

=item C<< Restsign::Nonce->scheme_unit($scheme) >>

The scheme's default unit.

=item C<< $nonce->next >>

The next value (an integer up to 2**63-1).

=back

Units are the C<NONCE_UNIT_*> constants of L<Restsign> (C<use Restsign qw(:nonce_unit)>):
C<NONCE_UNIT_SECONDS>, C<NONCE_UNIT_MILLIS>, C<NONCE_UNIT_MICROS>, C<NONCE_UNIT_TEN_MICROS>.
Errors are L<Restsign::Error>s. Caller-supplied callback sources (C<restsign_nonce_new_callback>)
are not offered by this binding.

=cut
