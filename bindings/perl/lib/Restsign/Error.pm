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

# new($code [, $detail]): $detail is what the library said besides its status (a recipe parser's
# "line 3, column 14: ..."), appended to the message.
sub new {
    my ($class, $code, $detail) = @_;
    my $message = Restsign::strerror($code);
    $message .= ": $detail" if defined $detail && $detail ne '';
    return bless { code => $code, message => $message, detail => $detail, where => Carp::shortmess('') }, $class;
}

sub throw { die shift->new(@_) }

sub code    { $_[0]{code} }
sub message { $_[0]{message} }

# The library's detail (a recipe parser's message), or undef; line and column when it gives them.
sub detail { $_[0]{detail} }
sub line   { defined $_[0]{detail} && $_[0]{detail} =~ /\bline (\d+), column \d+/ ? $1 : undef }
sub column { defined $_[0]{detail} && $_[0]{detail} =~ /\bline \d+, column (\d+)/ ? $1 : undef }

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

A refused recipe (C<< Restsign::Recipe->parse >>) also carries the parser's own message:
C<detail> is that message (C<line 5, column 11: headers.X-SIGN: unknown name `{sig}` ...>), C<line>
and C<column> the position it names, and C<message> the library's text followed by it. For other
errors C<detail>, C<line> and C<column> are undef.

Mistakes the C API cannot see (a nonce outside 0 .. 2**63-1, a string with wide characters) are
plain C<croak>s.

=cut
