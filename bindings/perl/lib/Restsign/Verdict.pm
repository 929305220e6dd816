package Restsign::Verdict;

# The outcome of one Restsign::Verifier check, copied out of the library's verdict handle at once
# (the verifier reuses that handle): status, reason, key, nonce, and for a bad signature what the
# client should have signed and sent. A plain object; nothing to free.

use strict;
use warnings;
use Restsign qw(:status);
use Restsign::Error;

our @CARP_NOT = @Restsign::PACKAGES;

Restsign::_attach([restsign_verdict_status => '_status'] => ['opaque'] => 'sint32');
Restsign::_attach([restsign_verdict_reason => '_reason'] => ['opaque'] => 'string');
Restsign::_attach([restsign_verdict_nonce => '_nonce'] => ['opaque', 'uint64*'] => 'sint32');
for my $text (qw(key expected_message expected_signature received_signature part)) {
    Restsign::_attach(["restsign_verdict_$text" => "_$text"] => ['opaque', 'opaque', 'size_t', 'size_t*'] => 'sint32');
}

# Reads every field of the verdict handle; a field the verdict lacks (ERR_NO_KEY, ERR_NO_NONCE,
# ERR_NO_EXPECTED) is undef.
sub _from {
    my ($class, $handle) = @_;
    my $status = _status($handle);
    my %self = (status => $status, reason => _reason($handle));
    my $nonce;
    $self{nonce} = $nonce if _optional(_nonce($handle, \$nonce), ERR_NO_NONCE);
    $self{key} = _text(\&_key, $handle, ERR_NO_KEY);
    $self{part} = _text(\&_part, $handle, ERR_NO_PART);
    if ($status == ERR_BAD_SIGNATURE) {
        $self{expected_message}   = _text(\&_expected_message, $handle, ERR_NO_EXPECTED);
        $self{expected_signature} = _text(\&_expected_signature, $handle, ERR_NO_EXPECTED);
        $self{received_signature} = _text(\&_received_signature, $handle, ERR_NO_EXPECTED);
    }
    return bless \%self, $class;
}

# True for OK, false for $absent; any other status is an error.
sub _optional {
    my ($status, $absent) = @_;
    return 0 if $status == $absent;
    Restsign::_check($status);
    return 1;
}

sub _text {
    my ($fn, $handle, $absent) = @_;
    my $text = eval { Restsign::_into($fn, $handle) };
    return $text unless $@;
    return undef if ref $@ && $@->isa('Restsign::Error') && $@->code == $absent;
    die $@;
}

sub ok                 { $_[0]{status} == OK }
sub status             { $_[0]{status} }
sub reason             { $_[0]{reason} }
sub key                { $_[0]{key} }
sub nonce              { $_[0]{nonce} }
sub expected_message   { $_[0]{expected_message} }
sub expected_signature { $_[0]{expected_signature} }
sub received_signature { $_[0]{received_signature} }
sub part               { $_[0]{part} }

package Restsign::Rejected;

# A request the verifier refused: a Restsign::Error whose message is the verdict's reason and code
# its status (ERR_BAD_SIGNATURE, ERR_STALE_NONCE, ERR_MALFORMED, ERR_UNKNOWN_KEY; from
# check_request also ERR_OUTSIDE_WINDOW, ERR_REPLAYED).

our @ISA = ('Restsign::Error');
our @CARP_NOT = @Restsign::PACKAGES;

sub throw {
    my ($class, $verdict) = @_;
    my $self = $class->SUPER::new($verdict->status);
    $self->{message} = $verdict->reason;
    $self->{verdict} = $verdict;
    die $self;
}

sub verdict { $_[0]{verdict} }

1;

__END__

=head1 NAME

Restsign::Verdict - what a Restsign::Verifier check found

=head1 METHODS

C<ok> (true for a valid request), C<status> (C<OK> or one of C<ERR_BAD_SIGNATURE>,
C<ERR_STALE_NONCE>, C<ERR_MALFORMED>, C<ERR_UNKNOWN_KEY>, and from C<check_request> also
C<ERR_OUTSIDE_WINDOW>, C<ERR_REPLAYED>), C<reason> (the library's text: for a malformed request
what is missing), C<key> (the request's key, undef if it named none), C<nonce> (the nonce accepted,
or the stale one refused; undef otherwise), C<part> (C<check_request> only: for C<ERR_MALFORMED>
the part missing or unreadable, C<header OK-ACCESS-TIMESTAMP>, C<parameter signature>; for
C<ERR_BAD_SIGNATURE> with a correct signature the computed part that does not match,
C<passphrase>; undef when the verdict names none), and after a bad signature only,
C<expected_message> and C<expected_signature>: what the client should have signed and sent, for the
server's log, and C<received_signature>: what the request carried, which beside them shows a
client's encoding mistakes. Never send the expected ones to the client: the expected signature
signs the request for anyone.

A refused request is thrown as a C<Restsign::Rejected> (a L<Restsign::Error>) whose C<verdict> is
one of these.

=cut
