<?php

declare(strict_types=1);

namespace Restsign;

/**
 * A signing recipe (docs/RECIPES.md): a built-in preset, or one parsed from TOML or JSON text. A
 * thin wrapper over restsign_recipe_*; immutable, and signers made from it keep their own
 * reference, so it may go as soon as they are made.
 *
 *     $signer = Signer::fromRecipe(Recipe::preset('okx'), $key, $secret, passphrase: $passphrase);
 *     $mine = Recipe::parse(file_get_contents('myexchange.toml'));   // RecipeException if refused
 */
final class Recipe
{
    /** Room for the parser's message; a longer one is cut short by the library. */
    private const ERROR_CAP = 4096;

    private \FFI $ffi;
    /** restsign_recipe* */
    private \FFI\CData $handle;

    private function __construct(\FFI $ffi, \FFI\CData $handle)
    {
        $this->ffi = $ffi;
        $this->handle = $handle;
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->restsign_recipe_free($this->handle);
        }
    }

    /** A copy would share the handle and free it twice. */
    private function __clone()
    {
    }

    /**
     * The built-in preset called $name ("binance", "okx", ...; aliases such as "binanceus" too).
     *
     * @throws RestsignException with code Status::ERR_UNKNOWN_SCHEME if there is none
     */
    public static function preset(string $name): self
    {
        $ffi = Library::ffi();
        $handle = $ffi->new('restsign_recipe*');
        Library::check($ffi->restsign_recipe_preset($name, \strlen($name), \FFI::addr($handle)));
        return new self($ffi, $handle);
    }

    /**
     * A recipe from TOML text, or JSON when it starts with "{".
     *
     * @throws RecipeException (code Status::ERR_INVALID_RECIPE) carrying the parser's message,
     *                         which says where (line, column) and what
     */
    public static function parse(string $text): self
    {
        $ffi = Library::ffi();
        $handle = $ffi->new('restsign_recipe*');
        $err = $ffi->new('char[' . self::ERROR_CAP . ']');
        $errLen = $ffi->new('size_t[1]');
        $status = $ffi->restsign_recipe_parse($text, \strlen($text), \FFI::addr($handle), $err, self::ERROR_CAP, $errLen);
        if ($status !== Status::OK) {
            $detail = $status === Status::ERR_INVALID_RECIPE ? \FFI::string($err, min($errLen[0], self::ERROR_CAP - 1)) : '';
            throw RecipeException::fromParser($status, $detail);
        }
        return new self($ffi, $handle);
    }

    /** The recipe's name (its `name` field; a preset's own name even when loaded by an alias). */
    public function name(): string
    {
        return $this->ffi->restsign_recipe_name($this->handle);
    }

    /** @return list<string> the names of the built-in presets (as Signer::schemes()) */
    public static function presets(): array
    {
        return Signer::schemes();
    }

    /** @internal restsign_recipe*, for Signer::fromRecipe(). */
    public function handle(): \FFI\CData
    {
        return $this->handle;
    }
}
