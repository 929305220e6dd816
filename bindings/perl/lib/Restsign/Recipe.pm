package Restsign::Recipe;

# A signing recipe (docs/RECIPES.md): a built-in preset or one parsed from TOML or JSON text. A thin
# wrapper over restsign_recipe_*: the object is a blessed reference to the C handle; DESTROY is
# restsign_recipe_free. Recipes are immutable, and signers keep their own reference.

use strict;
use warnings;
use Carp ();
use FFI::Platypus::Buffer qw(scalar_to_pointer);
use Restsign qw(:status);
use Restsign::Error;

push @Restsign::PACKAGES, __PACKAGE__ unless grep { $_ eq __PACKAGE__ } @Restsign::PACKAGES;
our @CARP_NOT = @Restsign::PACKAGES;

# Room for the parser's message; a longer one is cut short by the library.
my $ERROR_CAP = 4096;

Restsign::_attach([restsign_recipe_preset => '_preset'] => ['string', 'size_t', 'opaque*'] => 'sint32');
Restsign::_attach([restsign_recipe_parse => '_parse'] => ['string', 'size_t', 'opaque*', 'opaque', 'size_t', 'size_t*'] => 'sint32');
Restsign::_attach([restsign_recipe_name => '_name'] => ['opaque'] => 'string');
Restsign::_attach([restsign_recipe_free => '_free'] => ['opaque'] => 'void');
Restsign::_attach([restsign_signer_options_new => '_options_new'] => ['opaque*'] => 'sint32');
Restsign::_attach([restsign_signer_options_set_passphrase => '_options_passphrase'] => ['opaque', 'string', 'size_t'] => 'sint32');
Restsign::_attach([restsign_signer_options_set_nonce => '_options_nonce'] => ['opaque', 'opaque'] => 'sint32');
Restsign::_attach([restsign_signer_options_set_base_url => '_options_base_url'] => ['opaque', 'string', 'size_t'] => 'sint32');
Restsign::_attach([restsign_signer_options_free => '_options_free'] => ['opaque'] => 'void');
Restsign::_attach([restsign_signer_new_recipe => '_signer_new'] =>
    ['opaque', 'string', 'size_t', 'string', 'size_t', 'opaque', 'opaque*'] => 'sint32');

# A recipe is not copied into a new thread (two copies of a handle would free it twice).
sub CLONE_SKIP { 1 }

sub DESTROY { _free(${ $_[0] }) }

# The built-in preset called $name ("binance", "okx"; aliases such as "binanceus" too).
sub preset {
    my ($class, $name) = @_;
    $name = Restsign::_bytes($name, 'preset name');
    my $handle;
    Restsign::_check(_preset($name, length $name, \$handle));
    return bless \$handle, $class;
}

# A recipe from TOML text, or JSON when it starts with "{"; a refused one dies with a
# Restsign::Error whose detail is the parser's message (line, column, what).
sub parse {
    my ($class, $text) = @_;
    $text = Restsign::_bytes($text, 'recipe text');
    my $err = "\0" x $ERROR_CAP;
    my ($handle, $err_len) = (undef, 0);
    my $status = _parse($text, length $text, \$handle, scalar_to_pointer($err), $ERROR_CAP, \$err_len);
    if ($status) {
        my $detail = $status == ERR_INVALID_RECIPE ? substr($err, 0, $err_len < $ERROR_CAP ? $err_len : $ERROR_CAP - 1) : undef;
        die Restsign::Error->new($status, $detail);
    }
    return bless \$handle, $class;
}

# The recipe's name (a preset's own name even when loaded by an alias).
sub name { _name(${ $_[0] }) }

# The names of the built-in presets.
sub presets { Restsign::schemes() }

my %OPTION = map { $_ => 1 } qw(key secret passphrase nonce base_url);

# The C handle of a new signer for Restsign::Signer->from_recipe: $recipe a Restsign::Recipe or a
# preset's name, then key => ..., secret => ..., and optionally passphrase, nonce, base_url.
sub _new_signer {
    my ($recipe, %arg) = @_;
    my @unknown = sort grep { !$OPTION{$_} } keys %arg;
    Carp::croak("restsign: unknown argument(s) of from_recipe: @unknown (known: key, secret, passphrase, nonce, base_url)") if @unknown;
    Carp::croak('restsign: from_recipe needs a recipe (a Restsign::Recipe or a preset name)') unless defined $recipe;
    $recipe = __PACKAGE__->preset($recipe) unless ref $recipe;
    Carp::croak('restsign: the recipe must be a Restsign::Recipe or a preset name') unless eval { $recipe->isa(__PACKAGE__) };
    if (defined $arg{nonce}) {
        Carp::croak('restsign: the nonce source must be a Restsign::Nonce')
            unless ref $arg{nonce} && eval { $arg{nonce}->isa('Restsign::Nonce') };
    }
    my $key    = Restsign::_bytes($arg{key}, 'key');
    my $secret = Restsign::_bytes($arg{secret}, 'secret');
    my $passphrase = defined $arg{passphrase} ? Restsign::_bytes($arg{passphrase}, 'passphrase') : undef;
    my $base_url   = defined $arg{base_url} ? Restsign::_bytes($arg{base_url}, 'base URL') : undef;

    my $options;
    if (defined $passphrase || defined $arg{nonce} || defined $base_url) {
        Restsign::_check(_options_new(\$options));
    }
    # The options are freed (the passphrase wiped) whatever happens.
    my $status = eval {
        my $st = OK;
        $st = _options_passphrase($options, $passphrase, length $passphrase) if defined $passphrase;
        $st = _options_nonce($options, ${ $arg{nonce} }) if !$st && defined $arg{nonce};
        $st = _options_base_url($options, $base_url, length $base_url) if !$st && defined $base_url;
        $st;
    };
    my $handle;
    $status = _signer_new($$recipe, $key, length $key, $secret, length $secret, $options, \$handle) if defined $status && !$status;
    _options_free($options) if defined $options;
    Restsign::_check($status // ERR_INTERNAL);
    return $handle;
}

1;

__END__

=head1 NAME

Restsign::Recipe - signing recipes (built-in presets, or your own in TOML or JSON) for librestsign

=head1 SYNOPSIS

    use Restsign::Recipe;
    use Restsign::Signer;

    # A preset, by name:
    my $okx = Restsign::Signer->from_recipe('okx', key => $key, secret => $secret, passphrase => $passphrase);
    my $req = $okx->request('GET', '/api/v5/account/balance')->param(ccy => 'BTC')->sign;
    # $req->url, $req->headers, $req->body

    # A recipe you write for an API restsign does not ship (docs/RECIPES.md):
    my $recipe = eval { Restsign::Recipe->parse(do { local $/; open my $f, '<', 'mine.toml' or die; <$f> }) };
    if (my $e = $@) {
        die $e unless ref $e && $e->isa('Restsign::Error');
        warn $e->detail;     # "line 5, column 11: headers.X-SIGN: unknown name `{sig}` ..."
    }
    my $signer = Restsign::Signer->from_recipe($recipe, key => $key, secret => $secret,
        base_url => 'http://127.0.0.1:8080');

=head1 METHODS

=over

=item C<< Restsign::Recipe->preset($name) >>

The built-in preset called C<$name> (C<binance>, C<kraken>, C<okx>, ...; aliases such as
C<binanceus> too). An unknown name dies with a L<Restsign::Error> of code C<ERR_UNKNOWN_SCHEME>.

=item C<< Restsign::Recipe->parse($text) >>

A recipe from TOML text, or JSON when the text starts with C<{> (see F<docs/RECIPES.md> for the
fields). Text that is refused dies with a L<Restsign::Error> of code C<ERR_INVALID_RECIPE>, whose
C<detail> is the parser's message saying where and what (C<line 3, column 14: message: unknown
function `md5` ...>), with C<line> and C<column> as numbers; C<message> is the library's text
followed by that detail. Text that is not UTF-8 is refused the same way.

=item C<< $recipe->name >>

The recipe's C<name> (a preset's own name even when it was loaded by an alias).

=item C<< Restsign::Recipe->presets >>

The names of the built-in presets (as C<Restsign::schemes()>).

=back

Signers are made from a recipe with C<< Restsign::Signer->from_recipe >> (see L<Restsign::Signer>),
which keeps its own reference: the recipe object may go as soon as the signer is made.

=head1 THREADS

A recipe is not copied into a new thread (C<CLONE_SKIP>): load it in the thread that uses it.

=cut
