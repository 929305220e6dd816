package Restsign::Signer;

# One credential (scheme, key, secret), keyed once: a thin wrapper over restsign_signer_*. The
# object is a blessed reference to the C handle; DESTROY is restsign_signer_free.

use strict;
use warnings;
use Carp qw(croak);
use FFI::Platypus::Buffer qw(grow scalar_to_pointer);
use Restsign qw(:status);
use Restsign::Error;

my $ffi = Restsign::ffi();
# The handle is passed as opaque, not as FFI::Platypus's object() type: with object() (Platypus 2.05),
# once any thread exits, every call taking the object fails in the threads left, and DESTROY in
# global destruction crashes the process (t/threads.t).
$ffi->type('opaque' => 'restsign_signer');
$ffi->attach([restsign_signer_new => '_new'] => ['string', 'string', 'size_t', 'string', 'size_t', 'restsign_signer*'] => 'sint32');
$ffi->attach([restsign_signer_free => '_free'] => ['restsign_signer'] => 'void');
for my $call (qw(sign_into headers_into)) {
    $ffi->attach(
        ["restsign_signer_$call" => "_$call"] =>
        ['restsign_signer', 'string', 'string', 'size_t', 'string', 'size_t', 'uint64', 'opaque', 'size_t', 'size_t*'] =>
        'sint32',
    );
}

# One output buffer for every signer of this interpreter: each call copies its text out before
# returning, so signers never see each other's output, and signing allocates nothing but the
# returned string. It grows to the largest output asked for (mtgox-stream's signed call, a long key).
my ($BUF, $BUF_PTR, $CAP);
sub _grow {
    $CAP = shift;
    grow($BUF, $CAP);   # a private buffer, never shared copy-on-write with another scalar
    $BUF_PTR = scalar_to_pointer($BUF);
}
_grow(1024);

# A new thread gets its own copy of $BUF at another address; signers are not copied into it
# (two copies of a handle would free it twice): a thread makes its own signers.
sub CLONE      { _grow($CAP) }
sub CLONE_SKIP { 1 }

sub DESTROY { _free(${ $_[0] }) }

*schemes = \&Restsign::schemes;
*version = \&Restsign::version;

sub new {
    my ($class, $scheme, $key, $secret) = @_;
    $scheme //= '';
    # C would see the name cut at the NUL; no scheme name has one.
    Restsign::Error->throw(ERR_UNKNOWN_SCHEME) if index($scheme, "\0") >= 0;
    $key    = _bytes($key, 'key');
    $secret = _bytes($secret, 'secret');
    my $handle;
    my $status = _new($scheme, $key, length $key, $secret, length $secret, \$handle);
    Restsign::Error->throw($status) if $status;
    return bless \$handle, $class;
}

sub sign {
    # _call's common case inlined, which saves a Perl sub call per signature: a method without
    # NUL, byte strings, a nonce of up to 18 digits, and a signature that fits the buffer.
    my $n = $_[4] // 0;
    if (defined $_[1] && index($_[1], "\0") < 0 && !utf8::is_utf8($_[2]) && !utf8::is_utf8($_[3])
        && length $n < 19 && $n ne '' && $n !~ tr/0-9//c)
    {
        my $len;
        return substr($BUF, 0, $len) if _sign_into(
            ${ $_[0] }, $_[1], $_[2], length($_[2] // ''), $_[3], length($_[3] // ''), $n, $BUF_PTR, $CAP, \$len,
        ) == OK;
    }
    return _call(\&_sign_into, @_);
}

sub headers {
    # Each line ends in CRLF; keys cannot contain CR or LF, so splitting on CRLF is exact.
    return split /\r\n/, _call(\&_headers_into, @_);
}

# Calls a *_into function with the shared buffer, growing it once if the text does not fit.
sub _call {
    my ($into, $self, $method, $path, $payload, $nonce) = @_;
    $method //= '';
    # C would see the method cut at the NUL; NUL is not allowed in an HTTP token.
    Restsign::Error->throw(ERR_INVALID_METHOD) if index($method, "\0") >= 0;
    $path    = _bytes($path, 'path');
    $payload = _bytes($payload, 'payload');
    $nonce   = _nonce($nonce);
    my @args = ($$self, $method, $path, length $path, $payload, length $payload, $nonce);
    my $len;
    my $status = $into->(@args, $BUF_PTR, $CAP, \$len);
    if ($status == ERR_BUFFER_TOO_SMALL) {
        _grow($len);
        $status = $into->(@args, $BUF_PTR, $CAP, \$len);
    }
    Restsign::Error->throw($status) if $status;
    return substr($BUF, 0, $len);
}

# The bytes of a string argument (undef is empty). Character strings are taken as their Latin-1
# bytes, as Digest::SHA does; a wide character cannot be a byte.
sub _bytes {
    my ($value, $what) = @_;
    return '' unless defined $value;
    utf8::downgrade($value, 1)
        or croak "restsign: the $what has wide characters; encode it to bytes first";
    return $value;
}

# 0 .. 2**63-1 (the range of restsign's nonces), as an integer or a string of decimal digits.
sub _nonce {
    my $n = shift // 0;
    return $n if $n ne '' && $n !~ tr/0-9//c && (length $n < 19 || $n <= 9223372036854775807);
    croak "restsign: the nonce must be an integer from 0 to 9223372036854775807, got '$n'";
}

1;

__END__

=head1 NAME

Restsign::Signer - sign API requests with one credential, through librestsign

=head1 SYNOPSIS

    use Restsign::Signer;

    my $signer = Restsign::Signer->new('mtgox-v2', $api_key, $api_secret);  # base64 secret
    my $body   = "nonce=$nonce";
    my @headers = $signer->headers('POST', 'BTCUSD/money/info', $body);
    # ("Rest-Key: ...", "Rest-Sign: ...")
    my $tag = $signer->sign('POST', 'BTCUSD/money/info', $body);

=head1 METHODS

=over

=item C<< Restsign::Signer->new($scheme, $key, $secret) >>

A signer for one of C<< Restsign::Signer->schemes >>, with the API key and the secret as the API
gave them (base64 text for the MtGox schemes). The secret is copied into the library and wiped
there when the signer is destroyed.

=item C<< $signer->sign($method, $path, $payload, $nonce) >>

The signature text: the hex or base64 tag the scheme's signature header carries, or for
C<mtgox-stream> the whole signed call (base64 of key, tag and payload). C<$method> is the HTTP
method; C<$path> the endpoint path as the scheme signs it (C</api/wallet/> for apiauth,
C<BTCUSD/money/order/add> for mtgox-v2; ignored by the others); C<$payload> the exact bytes sent
(body, query string without C<?>, or JSON); C<$nonce> (default 0) is signed by apiauth, which
sends it in a header; the other schemes carry their nonce inside the payload. Nonces are integers
from 0 to 2**63-1, or such a string of digits.

=item C<< $signer->headers($method, $path, $payload, $nonce) >>

Every HTTP header the scheme needs, as a list of C<"Name: value"> strings. C<mtgox-stream> has none
(C<ERR_NO_HEADERS>).

=item C<< Restsign::Signer->schemes >>, C<< Restsign::Signer->version >>

As C<Restsign::schemes()> and C<Restsign::version()>.

=back

Every status from the library is thrown as a L<Restsign::Error> (C<message>, C<code>).

=head1 THREADS

A signer is not copied into a new thread (C<CLONE_SKIP>): make signers in the thread that uses them.

=cut
