package Restsign::Request;

# A request built, then signed, by librestsign: a thin wrapper over restsign_request_*. The object
# is a blessed reference to the C handle (which keeps its signer alive); DESTROY is
# restsign_request_free. Builder methods return the request, so calls chain.

use strict;
use warnings;
use FFI::Platypus::Buffer qw(buffer_to_scalar);
use Restsign qw(:status);
use Restsign::Error;

our @CARP_NOT = @Restsign::PACKAGES;

Restsign::_attach([restsign_request_new => '_new'] => ['opaque', 'string', 'string', 'size_t', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_request_add_param => '_add_param'] => ['opaque', 'string', 'size_t', 'string', 'size_t'] => 'sint32');
Restsign::_attach([restsign_request_set_body => '_set_body'] => ['opaque', 'string', 'size_t'] => 'sint32');
Restsign::_attach([restsign_request_set_json => '_set_json'] => ['opaque', 'string', 'size_t'] => 'sint32');
Restsign::_attach([restsign_request_sign => '_sign'] => ['opaque'] => 'sint32');
Restsign::_attach([restsign_request_sign_with_nonce => '_sign_with_nonce'] => ['opaque', 'uint64'] => 'sint32');
Restsign::_attach([restsign_request_header_count => '_header_count'] => ['opaque', 'size_t*'] => 'sint32');
Restsign::_attach([restsign_request_header => '_header'] => ['opaque', 'size_t', 'opaque*', 'size_t*'] => 'sint32');
Restsign::_attach([restsign_request_nonce => '_nonce'] => ['opaque', 'uint64*'] => 'sint32');
Restsign::_attach([restsign_request_free => '_free'] => ['opaque'] => 'void');
Restsign::_attach([restsign_request_set_time => '_set_time'] => ['opaque', 'uint64'] => 'sint32');
Restsign::_attach([restsign_request_set_uuid => '_set_uuid'] => ['opaque', 'string', 'size_t'] => 'sint32');
# The views lend a buffer the request owns (valid until it changes): copied out at once.
for my $view (qw(body query target signature header_block url)) {
    Restsign::_attach(["restsign_request_$view" => "_$view"] => ['opaque', 'opaque*', 'size_t*'] => 'sint32');
    my $fn = __PACKAGE__->can("_$view");
    no strict 'refs';
    *{$view} = sub {
        my ($ptr, $len);
        Restsign::_check($fn->(${ $_[0] }, \$ptr, \$len));
        return buffer_to_scalar($ptr, $len);
    };
}

sub CLONE_SKIP { 1 }

sub DESTROY { _free(${ $_[0] }) }

# Restsign::Signer->request($method, $path) is the usual way in.
sub new {
    my ($class, $signer, $method, $path) = @_;
    Carp::croak('restsign: a request needs a Restsign::Signer') unless ref $signer && $signer->isa('Restsign::Signer');
    $method = Restsign::_text($method, ERR_INVALID_METHOD);
    $path   = Restsign::_bytes($path, 'path');
    my $handle;
    Restsign::_check(_new($$signer, $method, $path, length $path, \$handle));
    return bless \$handle, $class;
}

# Adds a parameter (raw bytes; restsign form-encodes them), kept in order.
sub param {
    my ($self, $name, $value) = @_;
    ($name, $value) = (Restsign::_bytes($name, 'parameter name'), Restsign::_bytes($value, 'parameter value'));
    Restsign::_check(_add_param($$self, $name, length $name, $value, length $value));
    return $self;
}

# Sends $body exactly as given instead of parameters (any nonce field in it is the caller's).
sub set_body {
    my ($self, $body) = @_;
    $body = Restsign::_bytes($body, 'body');
    Restsign::_check(_set_body($$self, $body, length $body));
    return $self;
}

# Sends a JSON object; restsign adds the scheme's nonce member unless it is there.
sub set_json {
    my ($self, $json) = @_;
    $json = Restsign::_bytes($json, 'JSON');
    Restsign::_check(_set_json($$self, $json, length $json));
    return $self;
}

# Fixes the clock the request is signed at (milliseconds since the epoch); default: the clock.
sub set_time {
    my ($self, $ms) = @_;
    Carp::croak("restsign: the time must be milliseconds since the epoch, got '" . ($ms // 'undef') . "'")
        unless defined $ms && $ms =~ /\A[0-9]{1,19}\z/ && (length $ms < 19 || $ms <= 9223372036854775807);
    Restsign::_check(_set_time($$self, $ms));
    return $self;
}

# Fixes the random UUID of recipes that draw one (36 characters; else ERR_INVALID_UUID).
sub set_uuid {
    my ($self, $uuid) = @_;
    $uuid = Restsign::_bytes($uuid, 'UUID');
    Restsign::_check(_set_uuid($$self, $uuid, length $uuid));
    return $self;
}

# Draws the next nonce from the signer's source, builds the body or query, and signs.
sub sign {
    Restsign::_check(_sign(${ $_[0] }));
    return $_[0];
}

sub sign_with_nonce {
    my ($self, $nonce) = @_;
    Restsign::_check(_sign_with_nonce($$self, Restsign::_nonce($nonce)));
    return $self;
}

# The headers as "Name: value" strings (none for mtgox-stream).
sub headers {
    my $self = shift;
    my ($count, $ptr, $len);
    Restsign::_check(_header_count($$self, \$count));
    return map { Restsign::_check(_header($$self, $_, \$ptr, \$len)); buffer_to_scalar($ptr, $len) } 0 .. $count - 1;
}

# The nonce the request was signed with (ERR_NO_NONCE for a raw body: the caller's own).
sub nonce {
    my $n;
    Restsign::_check(_nonce(${ $_[0] }, \$n));
    return $n;
}

1;

__END__

=head1 NAME

Restsign::Request - build, sign and read back a whole API request with librestsign

=head1 SYNOPSIS

    my $signer = Restsign::Signer->shared('mtgox-v1', $api_key, $api_secret);
    my $req = $signer->request('POST', '/api/1/generic/private/info')->sign;
    my $http = HTTP::Request->new(POST => $base . $req->target);
    $http->content($req->body);
    $http->header(split /: /, $_, 2) for $req->headers;

=head1 METHODS

Building (each returns the request): C<param($name, $value)> (kept in order; the scheme's nonce
field is added last unless given), C<set_body($bytes)> (sent exactly; a field nonce in it is the
caller's), C<set_json($object_text)> (the nonce member is added unless present).

Signing (each returns the request): C<sign> draws the next nonce from the signer's source;
C<sign_with_nonce($n)> uses C<$n>. Changing the request afterwards unsigns it.

Reading, once signed (before: C<ERR_NOT_SIGNED>): C<body>, C<query> (without C<?>), C<target>
(path plus C<?query>), C<signature> (for C<mtgox-stream> the whole signed call), C<headers> (a list
of C<"Name: value">), C<header_block> (C<"Name: value\r\n"> lines), C<nonce> (C<ERR_NO_NONCE> when
the caller's raw body carries it), C<url> (the whole URL to send to: the recipe's base URL, or the
C<base_url> given to C<< Restsign::Signer->from_recipe >>, then the path and C<?query>).

For recipes (L<Restsign::Recipe>), before signing: C<set_time($unix_ms)> fixes the clock the request
is signed at (every timestamp format of the recipe is rendered from it; by default each signing
reads the clock), C<set_uuid($uuid)> fixes the random UUID of recipes that draw one (36 characters,
C<xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx>, else C<ERR_INVALID_UUID>). Both return the request.

The request keeps its signer alive. Errors are L<Restsign::Error>s.

=cut
