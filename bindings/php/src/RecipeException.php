<?php

declare(strict_types=1);

namespace Restsign;

/**
 * A recipe the library refused (Recipe::parse()): getCode() is Status::ERR_INVALID_RECIPE and
 * getMessage() the library's description followed by the parser's own message, which says where
 * and what ("line 5, column 11: headers.X-SIGN: unknown name `{sig}` ..."). detail() is the
 * parser's message alone; recipeLine() and recipeColumn() its position, when it gives one.
 */
final class RecipeException extends RestsignException
{
    private string $detail = '';
    private ?int $recipeLine = null;
    private ?int $recipeColumn = null;

    /** @internal */
    public static function fromParser(int $status, string $detail): self
    {
        $text = Library::ffi()->restsign_strerror($status);
        $e = new self($detail === '' ? $text : "$text: $detail", $status);
        $e->detail = $detail;
        if (preg_match('/\bline (\d+), column (\d+)\b/', $detail, $m)) {
            $e->recipeLine = (int) $m[1];
            $e->recipeColumn = (int) $m[2];
        }
        return $e;
    }

    /** The parser's message: where (line, column) and what. */
    public function detail(): string
    {
        return $this->detail;
    }

    /** The line (1-based) the parser points at, or null. */
    public function recipeLine(): ?int
    {
        return $this->recipeLine;
    }

    /** The column (1-based) the parser points at, or null. */
    public function recipeColumn(): ?int
    {
        return $this->recipeColumn;
    }
}
