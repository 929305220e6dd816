package Restsign::Verifier;

# The server side: checks received requests for one scheme against a table of keys, with replay
# protection. A thin wrapper over restsign_verifier_* and restsign_verdict_*: the object holds the
# verifier handle and one verdict handle it reuses for every check; DESTROY frees both.

use strict;
use warnings;
use Restsign qw(:status);
use Restsign::Error;
use Restsign::Verdict;

our @CARP_NOT = @Restsign::PACKAGES;

my @credential = ('string', 'string', 'size_t', 'string', 'size_t');
Restsign::_attach([restsign_verifier_new => '_new'] => [@credential, 'opaque*'] => 'sint32');
Restsign::_attach([restsign_verifier_new_shared => '_new_shared'] => [@credential, 'string', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_verifier_add_key => '_add_key'] => ['opaque', 'string', 'size_t', 'string', 'size_t'] => 'sint32');
Restsign::_attach(
    [restsign_verifier_check => '_check'] =>
    ['opaque', 'string', 'string', 'size_t', 'string', 'size_t', 'string', 'size_t', 'opaque'] => 'sint32',
);
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
    my $status = _check($self->{handle}, $method, $path, length $path, $headers, length $headers, $payload,
        length $payload, $self->{verdict});
    return Restsign::Verdict->_from($self->{verdict}) if $status == OK;
    # Argument and state-file errors leave no verdict of this check.
    Restsign::Error->throw($status) unless Restsign::Verdict::_status($self->{verdict}) == $status;
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

=item C<< $verifier->check($method, $path, $headers, $payload) >>

C<$path> without C<?query>; C<$headers> the received header lines (a string of C<"Name: value\r\n">
lines, or an array of C<"Name: value">); C<$payload> the body, or for the scheme's query methods
the query string, or for mtgox-stream the signed call. Returns a L<Restsign::Verdict> if valid,
else dies with a C<Restsign::Rejected> (a L<Restsign::Error> whose C<verdict> has the details).

=back

=cut
