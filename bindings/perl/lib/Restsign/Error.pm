package Restsign::Error;

# A status librestsign returned, thrown as an object: the message is the library's own text
# (restsign_strerror) and code() the status, so callers can tell errors apart without parsing text.

use strict;
use warnings;
use Carp ();
use Restsign ();

# Report the line of the binding's caller, not a line inside the binding.
our @CARP_NOT = @Restsign::PACKAGES;

use overload '""' => sub { $_[0]{message} . $_[0]{where} }, fallback => 1;

sub new {
    my ($class, $code) = @_;
    return bless { code => $code, message => Restsign::strerror($code), where => Carp::shortmess('') }, $class;
}

sub throw { die shift->new(@_) }

sub code    { $_[0]{code} }
sub message { $_[0]{message} }

1;

__END__

=head1 NAME

Restsign::Error - a status returned by librestsign, as an exception

=head1 SYNOPSIS

    use Restsign qw(:status);
    eval { $signer->headers('POST', '', $body) };
    if (my $e = $@) {
        die $e unless ref $e && $e->isa('Restsign::Error');
        warn $e->message;                     # "this scheme sends no headers: ..."
        if ($e->code == ERR_NO_HEADERS) { ... }
    }

=head1 DESCRIPTION

Every status the library returns is thrown as a C<Restsign::Error>: C<message> is the library's own
text (C<restsign_strerror>), C<code> the status (one of Restsign's C<ERR_*> constants). As a string
it reads like C<croak>'s message: the text and the caller's file and line.

Mistakes the C API cannot see (a nonce outside 0 .. 2**63-1, a string with wide characters) are
plain C<croak>s.

=cut
