<?php

declare(strict_types=1);

namespace Restsign;

/**
 * @internal restsign_signer_options for Signer::fromRecipe(): made, filled and freed (the library
 * wipes the passphrase) around one restsign_signer_new_recipe call.
 */
final class SignerOptions
{
    private \FFI $ffi;
    /** restsign_signer_options* */
    private \FFI\CData $handle;

    public function __construct(?string $passphrase, ?Nonce $nonce, ?string $baseUrl)
    {
        $ffi = $this->ffi = Library::ffi();
        $handle = $ffi->new('restsign_signer_options*');
        Library::check($ffi->restsign_signer_options_new(\FFI::addr($handle)));
        $this->handle = $handle;
        try {
            if ($passphrase !== null) {
                Library::check($ffi->restsign_signer_options_set_passphrase($handle, $passphrase, \strlen($passphrase)));
            }
            if ($nonce !== null) {
                Library::check($ffi->restsign_signer_options_set_nonce($handle, $nonce->handle()));
            }
            if ($baseUrl !== null) {
                Library::check($ffi->restsign_signer_options_set_base_url($handle, $baseUrl, \strlen($baseUrl)));
            }
        } catch (\Throwable $e) {
            // A constructor that throws gets no destructor call: free here.
            $ffi->restsign_signer_options_free($handle);
            unset($this->handle);
            throw $e;
        }
    }

    public function __destruct()
    {
        if (isset($this->handle)) {
            $this->ffi->restsign_signer_options_free($this->handle);
        }
    }

    private function __clone()
    {
    }

    public function handle(): \FFI\CData
    {
        return $this->handle;
    }
}
