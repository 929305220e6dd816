package Restsign::Verifier;

# The server side: checks received requests for one scheme against a table of keys, with replay
# protection. A thin wrapper over restsign_verifier_* and restsign_verdict_*: the object holds the
# verifier handle and one verdict handle it reuses for every check; DESTROY frees both.

use strict;
use warnings;
use Restsign qw(:status);
use Restsign::Error;
use Restsign::Verdict;
use Carp ();

our @CARP_NOT = @Restsign::PACKAGES;

my @credential = ('string', 'string', 'size_t', 'string', 'size_t');
Restsign::_attach([restsign_verifier_new => '_new'] => [@credential, 'opaque*'] => 'sint32');
Restsign::_attach([restsign_verifier_new_shared => '_new_shared'] => [@credential, 'string', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_verifier_add_key => '_add_key'] => ['opaque', 'string', 'size_t', 'string', 'size_t'] => 'sint32');
Restsign::_attach(
    [restsign_verifier_check => '_check'] =>
    ['opaque', 'string', 'string', 'size_t', 'string', 'size_t', 'string', 'size_t', 'opaque'] => 'sint32',
);
Restsign::_attach(
    [restsign_verifier_check_request => '_check_request'] =>
    ['opaque', 'string', 'string', 'size_t', 'string', 'size_t', 'string', 'size_t', 'opaque'] => 'sint32',
);
Restsign::_attach([restsign_verifier_add_key_passphrase => '_add_key_passphrase']
    => ['opaque', 'string', 'size_t', 'string', 'size_t', 'string', 'size_t'] => 'sint32');
Restsign::_attach([restsign_verifier_set_window_ms => '_set_window_ms'] => ['opaque', 'uint64'] => 'sint32');
Restsign::_attach([restsign_verifier_set_replay_redis => '_set_replay_redis']
    => ['opaque', 'string', 'size_t', 'string', 'size_t'] => 'sint32');
Restsign::_attach([restsign_verifier_free => '_free'] => ['opaque'] => 'void');
Restsign::_attach([restsign_verdict_new => '_verdict_new'] => ['opaque*'] => 'sint32');
Restsign::_attach([restsign_verdict_free => '_verdict_free'] => ['opaque'] => 'void');

sub CLONE_SKIP { 1 }

sub DESTROY {
    my $self = shift;
    _verdict_free($self->{verdict});
    _free($self->{handle});
}

# new($scheme, $key, $secret): replay state in this process's memory.
sub new {
    my ($class, @credential) = @_;
    my $handle;
    Restsign::_check(_new(_credential(@credential), \$handle));
    return _wrap($class, $handle);
}

# shared($scheme, $key, $secret [, $state_dir]): replay state in files shared by every process
# using the same directory (the library's default when undef).
sub shared {
    my ($class, $scheme, $key, $secret, $state_dir) = @_;
    $state_dir = Restsign::_text($state_dir, ERR_NONCE_STATE_IO) if defined $state_dir;
    my $handle;
    Restsign::_check(_new_shared(_credential($scheme, $key, $secret), $state_dir, \$handle));
    return _wrap($class, $handle);
}

sub _credential {
    my ($scheme, $key, $secret) = @_;
    $scheme = Restsign::_text($scheme, ERR_UNKNOWN_SCHEME);
    ($key, $secret) = (Restsign::_bytes($key, 'key'), Restsign::_bytes($secret, 'secret'));
    return ($scheme, $key, length $key, $secret, length $secret);
}

sub _wrap {
    my ($class, $handle) = @_;
    my $verdict;
    my $status = _verdict_new(\$verdict);
    if ($status) {
        _free($handle);
        Restsign::Error->throw($status);
    }
    return bless { handle => $handle, verdict => $verdict }, $class;
}

# Adds a key (or replaces its secret; its replay state is kept).
sub add_key {
    my ($self, $key, $secret) = @_;
    ($key, $secret) = (Restsign::_bytes($key, 'key'), Restsign::_bytes($secret, 'secret'));
    Restsign::_check(_add_key($self->{handle}, $key, length $key, $secret, length $secret));
    return $self;
}

# add_key_with_passphrase($key, $secret, $passphrase): a key with its passphrase (OKX, KuCoin,
# Coinbase Exchange, Bitget, Blofin); check_request then refuses a request carrying another one.
sub add_key_with_passphrase {
    my ($self, $key, $secret, $passphrase) = @_;
    ($key, $secret) = (Restsign::_bytes($key, 'key'), Restsign::_bytes($secret, 'secret'));
    $passphrase = Restsign::_bytes($passphrase, 'passphrase');
    Restsign::_check(_add_key_passphrase($self->{handle}, $key, length $key, $secret, length $secret,
        $passphrase, length $passphrase));
    return $self;
}

# set_window_ms($ms): the timestamp window of check_request, either way, and how long accepted
# requests are remembered. Call before the first check.
sub set_window_ms {
    my ($self, $ms) = @_;
    Carp::croak("restsign: the window must be an integer from 0 to 18446744073709551615 milliseconds, got '"
        . ($ms // 'undef') . "'")
        unless defined $ms && $ms =~ /\A[0-9]+\z/ && (length $ms < 20 || (length $ms == 20 && $ms le '18446744073709551615'));
    Restsign::_check(_set_window_ms($self->{handle}, $ms));
    return $self;
}

# replay_redis($url [, $prefix]): the replay state in Redis, shared by every verifier on every host
# using the same server and prefix (URLs as for Restsign::Nonce->redis). Call before the first check.
sub replay_redis {
    my ($self, $url, $prefix) = @_;
    $url = Restsign::_bytes($url, 'Redis URL');
    $prefix = Restsign::_bytes($prefix, 'prefix') if defined $prefix;
    Restsign::_check(_set_replay_redis($self->{handle}, $url, length $url, $prefix, defined $prefix ? length $prefix : 0));
    return $self;
}

# check($method, $path, $headers, $payload): a Restsign::Verdict when the request is correctly
# signed by a known key with a fresh nonce (now recorded); else dies with a Restsign::Rejected
# (BAD_SIGNATURE, STALE_NONCE, MALFORMED, UNKNOWN_KEY) carrying the verdict, or a Restsign::Error
# (bad arguments, state file). $headers: "Name: value" lines in one string, or an array of them.
sub check {
    my ($self, $method, $path, $headers, $payload) = @_;
    # C would see a method with a NUL cut short, perhaps as a valid token; such a method (or one
    # with a wide character) is no token at all, which the library judges malformed when given ''.
    $method //= '';
    $method = '' if !utf8::downgrade($method, 1) || index($method, "\0") >= 0;
    $path    = Restsign::_bytes($path, 'path');
    $headers = Restsign::_bytes(ref $headers eq 'ARRAY' ? join('', map { "$_\r\n" } @$headers) : $headers, 'headers');
    $payload = Restsign::_bytes($payload, 'payload');
    return $self->_outcome(_check($self->{handle}, $method, $path, length $path, $headers, length $headers, $payload,
        length $payload, $self->{verdict}));
}

# check_request($method, $target, $headers, $body): any recipe, the whole request as received;
# $target the path with "?query", $headers a "Name: value\r\n" block, a hash of name => value (an
# array of values makes a line each), or an array of "Name: value" lines or [name, value] pairs.
# Returns or dies as check does; also Rejected with ERR_OUTSIDE_WINDOW and ERR_REPLAYED.
sub check_request {
    my ($self, $method, $target, $headers, $body) = @_;
    $method //= '';
    $method = '' if !utf8::downgrade($method, 1) || index($method, "\0") >= 0;    # as in check
    $target  = Restsign::_bytes($target, 'target');
    $headers = Restsign::_bytes(ref $headers ? _header_block($headers) : $headers, 'headers');
    $body    = Restsign::_bytes($body, 'body');
    return $self->_outcome(_check_request($self->{handle}, $method, $target, length $target, $headers,
        length $headers, $body, length $body, $self->{verdict}));
}

# The block of check_request's structured forms. A line break inside a value is unfolded to one
# space (RFC 9110's rule for obs-fold), so that no value makes a header line of its own; a name
# that is no single token is the caller's mistake.
sub _header_block {
    my $headers = shift;
    my @pairs;
    if (ref $headers eq 'HASH') {
        @pairs = map { [$_, $headers->{$_}] } sort keys %$headers;
    } elsif (ref $headers eq 'ARRAY') {
        for my $item (@$headers) {
            if (ref $item eq 'ARRAY' && @$item == 2) {
                push @pairs, $item;
            } elsif (!ref $item && defined $item && $item =~ /\A([^:]*):(.*)\z/s) {
                push @pairs, [$1, $2];
            } else {
                Carp::croak('restsign: headers must be "Name: value" lines or [name, value] pairs');
            }
        }
    } else {
        Carp::croak('restsign: headers must be a string, a hash or an array, not ' . ref $headers);
    }
    my $block = '';
    for my $pair (@pairs) {
        my ($name, $value) = @$pair;
        Carp::croak("restsign: not a header name: '" . ($name // 'undef') . "'")
            if !defined $name || $name !~ /\S/ || $name =~ /[:\r\n]/;
        for my $one (ref $value eq 'ARRAY' ? @$value : $value) {
            (my $unfolded = $one // '') =~ s/[ \t]*(?:\r\n|\r|\n)[ \t]*/ /g;
            $unfolded =~ s/\A[ \t]+|[ \t]+\z//g;
            $block .= "$name: $unfolded\r\n";
        }
    }
    return $block;
}

# The statuses that are verdicts about a request (Restsign::Rejected); any other is an error of the
# call (arguments, key lookup, replay memory, state file, Redis): the verdict handle files every
# status, so the status is what tells them apart.
my %REJECTION = map { $_ => 1 }
    (ERR_BAD_SIGNATURE, ERR_STALE_NONCE, ERR_MALFORMED, ERR_UNKNOWN_KEY, ERR_OUTSIDE_WINDOW, ERR_REPLAYED);

sub _outcome {
    my ($self, $status) = @_;
    return Restsign::Verdict->_from($self->{verdict}) if $status == OK;
    Restsign::Error->throw($status) unless $REJECTION{$status};
    Restsign::Rejected->throw(Restsign::Verdict->_from($self->{verdict}));
}

1;

__END__

=head1 NAME

Restsign::Verifier - check signed API requests (signature, key, replay) with librestsign

=head1 SYNOPSIS

    my $verifier = Restsign::Verifier->new('poloniex', $api_key, $api_secret);
    my $verdict = eval { $verifier->check('POST', '/tradingApi', \@header_lines, $body) };
    if (my $e = $@) {
        die $e unless ref $e && $e->isa('Restsign::Rejected');
        warn $e->message;                              # why: "the signature does not match ..."
        warn $e->verdict->expected_message if $e->code == Restsign::ERR_BAD_SIGNATURE;  # log only
    } else {
        printf "key %s, nonce %d\n", $verdict->key, $verdict->nonce;
    }

=head1 METHODS

=over

=item C<< Restsign::Verifier->new($scheme, $key, $secret) >>, C<< ->shared($scheme, $key, $secret [, $state_dir]) >>

A verifier knowing one key; C<shared> keeps the replay state in files under C<$state_dir> (or the
library's default), so that once one process accepts a nonce every other refuses it.

=item C<< $verifier->replay_redis($url [, $prefix]) >>

Keeps the replay state in the Redis server at C<$url> (URLs as for L<Restsign::Nonce>'s C<redis>),
shared by every verifier on every host that uses the same server and prefix: each nonce is
accepted at most once across all of them. Call it before the first check. A check that cannot use
Redis dies with a L<Restsign::Error> (C<ERR_REDIS_*>), never a verdict.

=item C<< $verifier->add_key($key, $secret) >>

=item C<< $verifier->add_key_with_passphrase($key, $secret, $passphrase) >>

A key with its passphrase (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin), or new secret and
passphrase for a known key (its replay state is kept). C<check_request> then refuses a request that
carries another passphrase (C<ERR_BAD_SIGNATURE>, C<part> C<passphrase>), and KuCoin's signed
passphrase is signed with this one. A key added without one (C<new>, C<add_key>) takes the
passphrase its request carries, except for KuCoin. Ignored by recipes without a passphrase.

=item C<< $verifier->set_window_ms($ms) >>

How far, in milliseconds either way, a request's timestamp may be from the server's clock for
C<check_request> (else C<ERR_OUTSIDE_WINDOW>), instead of the recipe's window and any the client
asks for (Binance's C<recvWindow>); also how long an accepted request is remembered to refuse its
replay (C<ERR_REPLAYED>). Nonce recipes (Kraken) are not affected. Call it before the first check.

=item C<< $verifier->check($method, $path, $headers, $payload) >>

C<$path> without C<?query>; C<$headers> the received header lines (a string of C<"Name: value\r\n">
lines, or an array of C<"Name: value">); C<$payload> the body, or for the scheme's query methods
the query string, or for mtgox-stream the signed call. Returns a L<Restsign::Verdict> if valid,
else dies with a C<Restsign::Rejected> (a L<Restsign::Error> whose C<verdict> has the details).
For recipes it cannot follow (a timestamp, a passphrase, ...) it dies with C<ERR_VERIFY_UNSUPPORTED>:
use C<check_request>.

=item C<< $verifier->check_request($method, $target, $headers, $body) >>

Checks one whole received request against the verifier's recipe, any recipe (timestamps,
passphrases, signature parameters, JWTs, JSON envelopes too). C<$target> is the request target as
received, the path with C<?query> when there is one; C<$headers> the received headers, all of them or
at least the recipe's: a string of C<"Name: value\r\n"> lines, a hash of name =E<gt> value (an array
of values makes a line each), or an array of C<"Name: value"> lines or C<[$name, $value]> pairs (a
line break inside a value is unfolded to a space, as for a folded header); C<$body> the exact bytes
received. Returns a L<Restsign::Verdict> if the request is correctly signed by a known key and fresh
(it is then remembered, to refuse its replay); else dies with a C<Restsign::Rejected>: besides
C<check>'s statuses, C<ERR_OUTSIDE_WINDOW> (a timestamp too far from the clock) and C<ERR_REPLAYED>
(the same request again); the verdict's C<part> names what is missing for C<ERR_MALFORMED>
(C<header OK-ACCESS-TIMESTAMP>). A full replay memory (C<ERR_REPLAY_MEMORY_FULL>), a failed key
lookup and replay state errors die with a plain L<Restsign::Error>.

    my $verdict = $verifier->check_request($env->{REQUEST_METHOD}, $env->{REQUEST_URI},
        { map { /^HTTP_(.*)/ ? ($1 =~ tr/_/-/r => $env->{$_}) : () } keys %$env }, $body);

=back

=cut
