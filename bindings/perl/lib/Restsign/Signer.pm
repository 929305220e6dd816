package Restsign::Signer;

# One credential (scheme, key, secret), keyed once: a thin wrapper over restsign_signer_*. The
# object is a blessed reference to the C handle; DESTROY is restsign_signer_free.

use strict;
use warnings;
use Restsign qw(:status);
use Restsign::Error;
use Restsign::Request;

our @CARP_NOT = @Restsign::PACKAGES;

# Handles are passed as opaque, not as FFI::Platypus's object() type: with object() (Platypus 2.05),
# once any thread exits, every call taking the object fails in the threads left, and DESTROY in
# global destruction crashes the process (t/threads.t).
my @credential = ('string', 'string', 'size_t', 'string', 'size_t');
Restsign::_attach([restsign_signer_new => '_new'] => [@credential, 'opaque*'] => 'sint32');
Restsign::_attach([restsign_signer_new_with_nonce => '_new_with_nonce'] => [@credential, 'opaque', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_signer_new_shared => '_new_shared'] => [@credential, 'string', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_signer_next_nonce => '_next_nonce'] => ['opaque', 'uint64*'] => 'sint32');
Restsign::_attach([restsign_signer_signature_len => '_signature_len'] => ['opaque', 'size_t', 'size_t*'] => 'sint32');
Restsign::_attach([restsign_signer_free => '_free'] => ['opaque'] => 'void');
for my $call (qw(sign_into headers_into)) {
    Restsign::_attach(
        ["restsign_signer_$call" => "_$call"] =>
        ['opaque', 'string', 'string', 'size_t', 'string', 'size_t', 'uint64', 'opaque', 'size_t', 'size_t*'] =>
        'sint32',
    );
}

# A signer is not copied into a new thread (two copies of a handle would free it twice): a thread
# makes its own signers.
sub CLONE_SKIP { 1 }

sub DESTROY { _free(${ $_[0] }) }

*schemes = \&Restsign::schemes;
*version = \&Restsign::version;

# new($scheme, $key, $secret), or with a Restsign::Nonce as a fifth argument, whose values the
# signer's requests then use.
sub new {
    my ($class, $scheme, $key, $secret, $nonce) = @_;
    my @credential = _credential($scheme, $key, $secret);
    my $handle;
    if (defined $nonce) {
        Carp::croak('restsign: the nonce source must be a Restsign::Nonce')
            unless ref $nonce && $nonce->isa('Restsign::Nonce');
        Restsign::_check(_new_with_nonce(@credential, $$nonce, \$handle));
    } else {
        Restsign::_check(_new(@credential, \$handle));
    }
    return bless \$handle, $class;
}

# A signer whose request nonces are shared by every process on this host that signs with this key
# (a state file: $state_path, or the library's per-key default when undef).
sub shared {
    my ($class, $scheme, $key, $secret, $state_path) = @_;
    $state_path = Restsign::_text($state_path, ERR_NONCE_STATE_IO) if defined $state_path;
    my $handle;
    Restsign::_check(_new_shared(_credential($scheme, $key, $secret), $state_path, \$handle));
    return bless \$handle, $class;
}

# from_recipe($recipe_or_preset_name, key => ..., secret => ...[, passphrase => ..., nonce => ...,
# base_url => ...]): a signer for any recipe (Restsign::Recipe).
sub from_recipe {
    my $class = shift;
    require Restsign::Recipe;
    my $handle = Restsign::Recipe::_new_signer(@_);
    return bless \$handle, $class;
}

# (scheme, key, key_len, secret, secret_len) as the constructors take them.
sub _credential {
    my ($scheme, $key, $secret) = @_;
    $scheme = Restsign::_text($scheme, ERR_UNKNOWN_SCHEME);
    $key    = Restsign::_bytes($key, 'key');
    $secret = Restsign::_bytes($secret, 'secret');
    return ($scheme, $key, length $key, $secret, length $secret);
}

sub sign {
    # The common case of Restsign::_into inlined, which saves Perl sub calls per signature: a
    # method without NUL, byte strings, no nonce or one of up to 18 digits, and a signature that
    # fits the buffer.
    my $n = $_[4];
    if (defined $_[1] && index($_[1], "\0") < 0 && !utf8::is_utf8($_[2]) && !utf8::is_utf8($_[3])
        && (!defined $n || (length $n < 19 && $n ne '' && $n !~ tr/0-9//c)))
    {
        my $len;
        return substr($Restsign::BUF, 0, $len) if _sign_into(
            ${ $_[0] }, $_[1], $_[2], length($_[2] // ''), $_[3], length($_[3] // ''), $n // 0,
            $Restsign::BUF_PTR, $Restsign::CAP, \$len,
        ) == OK;
    }
    return Restsign::_into(\&_sign_into, _arguments(@_));
}

# sign() for one method and path, as a function of the payload (and nonce): they are checked
# once, and each call is one FFI call with no method dispatch. The function keeps the signer alive.
sub sign_fn {
    my ($self, $method, $path) = @_;
    my ($handle, $m, $p, $path_len) = _arguments($self, $method, $path);
    Restsign::_into(\&_sign_into, $handle, $m, $p, $path_len, '', 0, 1);    # the library's checks of them, once (nonce 1: apiauth refuses 0)
    return sub {
        my $n = $_[1];
        if (defined $_[0] && !utf8::is_utf8($_[0]) && (!defined $n || (length $n < 19 && $n ne '' && $n !~ tr/0-9//c))) {
            my $len;
            return substr($Restsign::BUF, 0, $len) if _sign_into(
                $handle, $m, $p, $path_len, $_[0], length $_[0], $n // 0, $Restsign::BUF_PTR, $Restsign::CAP, \$len,
            ) == OK;
        }
        return $self->sign($method, $path, @_);    # errors, a larger output
    };
}

sub headers {
    # Each line ends in CRLF; keys cannot contain CR or LF, so splitting on CRLF is exact.
    return split /\r\n/, Restsign::_into(\&_headers_into, _arguments(@_));
}

# The arguments of sign_into / headers_into before the output buffer, checked and converted.
sub _arguments {
    my ($self, $method, $path, $payload, $nonce) = @_;
    $method  = Restsign::_text($method, ERR_INVALID_METHOD);
    $path    = Restsign::_bytes($path, 'path');
    $payload = Restsign::_bytes($payload, 'payload');
    return ($$self, $method, $path, length $path, $payload, length $payload, Restsign::_nonce($nonce));
}

sub next_nonce {
    my $n;
    Restsign::_check(_next_nonce(${ $_[0] }, \$n));
    return $n;
}

sub signature_len {
    my ($self, $payload_len) = @_;
    my $len;
    Restsign::_check(_signature_len($$self, $payload_len, \$len));
    return $len;
}

sub request {
    my ($self, $method, $path) = @_;
    return Restsign::Request->new($self, $method, $path);
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

    # Or let restsign build the body and draw the nonce, shared by every process using this key:
    my $shared = Restsign::Signer->shared('poloniex', $api_key, $api_secret);
    my $req = $shared->request('POST', '/tradingApi')->param(command => 'returnBalances')->sign;
    # $req->body, $req->headers

=head1 METHODS

=over

=item C<< Restsign::Signer->new($scheme, $key, $secret [, $nonce]) >>

A signer for one of C<< Restsign::Signer->schemes >>, with the API key and the secret as the API
gave them (base64 text for the MtGox schemes). The secret is copied into the library and wiped
there when the signer is destroyed. Its requests draw nonces from C<$nonce> (a L<Restsign::Nonce>)
if given, else from an in-process sequence shared by every signer of this process for this key.

=item C<< Restsign::Signer->shared($scheme, $key, $secret [, $state_path]) >>

As C<new>, with request nonces shared by every process on this host that signs with this key,
through a state file (C<$state_path>, or the library's per-key default under
C<$XDG_RUNTIME_DIR/restsign> or C</tmp/restsign-UID>), in the scheme's unit.

=item C<< Restsign::Signer->from_recipe($recipe, key => $key, secret => $secret, ...) >>

A signer for any recipe: C<$recipe> is a L<Restsign::Recipe> (a preset, or one you wrote) or the
name of a built-in preset (C<binance>, C<kraken>, C<okx>, ...). Besides C<key> and C<secret> (as
the API gave them), C<passphrase> is required by recipes that say so (OKX, KuCoin, Coinbase
Exchange, Bitget, Blofin; without it C<ERR_PASSPHRASE_MISSING>, an empty one or one with control
characters C<ERR_INVALID_PASSPHRASE>), C<nonce> is a L<Restsign::Nonce> to draw request nonces
from, and C<base_url> (C<http(s)://host[:port]>, else C<ERR_INVALID_BASE_URL>) sends requests
elsewhere than the recipe's host: a testnet, a local server (C<< $request->url >> follows it).
Everything is copied; the passphrase is wiped with the signer.

=item C<< $signer->sign($method, $path, $payload, $nonce) >>

The signature text: the hex or base64 tag the scheme's signature header carries, or for
C<mtgox-stream> the whole signed call (base64 of key, tag and payload). C<$method> is the HTTP
method; C<$path> the endpoint path as the scheme signs it (C</api/wallet/> for apiauth,
C<BTCUSD/money/order/add> for mtgox-v2; ignored by the others); C<$payload> the exact bytes sent
(body, query string without C<?>, or JSON); C<$nonce> (default 0) is signed by apiauth, which
sends it in a header; the other schemes carry their nonce inside the payload. Nonces are integers
from 0 to 2**63-1, or such a string of digits.

=item C<< $signer->sign_fn($method, $path) >>

C<sign> for one method and path, as a function: C<< $sign->($payload [, $nonce]) >>. The method
and path are checked once, and each call is one FFI call without method dispatch (the fastest
way to sign from Perl). The function keeps the signer alive.

    my $sign = $signer->sign_fn('POST', '');   # poloniex, coinpayments...: only the body is signed
    my $tag  = $sign->($body);

=item C<< $signer->headers($method, $path, $payload, $nonce) >>

Every HTTP header the scheme needs, as a list of C<"Name: value"> strings. C<mtgox-stream> has none
(C<ERR_NO_HEADERS>).

=item C<< $signer->request($method, $path) >>

A L<Restsign::Request> to build (parameters, or a body, or JSON) and sign with this signer.

=item C<< $signer->next_nonce >>

Draws the next nonce from the signer's source (the one its requests would use).

=item C<< $signer->signature_len($payload_len) >>

The length of the signature text for a payload of that many bytes.

=item C<< Restsign::Signer->schemes >>, C<< Restsign::Signer->version >>

As C<Restsign::schemes()> and C<Restsign::version()>.

=back

Every status from the library is thrown as a L<Restsign::Error> (C<message>, C<code>).

=head1 THREADS

A signer is not copied into a new thread (C<CLONE_SKIP>): make signers in the thread that uses them.

=cut
