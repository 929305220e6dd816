//! Typed ownership of the opaque handles given to C (after rustls-ffi's `Castable`): each handle
//! type says once whether it is a `Box` or an `Arc` of which Rust value, and these helpers are the
//! only places that cast between the two.

use super::{RESTSIGN_ERR_NULL_ARGUMENT, RESTSIGN_ERR_NULL_HANDLE, restsign_status};
use std::sync::Arc;

/// A handle owned by one `Box<Self::Target>`.
pub(crate) trait BoxHandle: Sized {
    type Target;

    /// Hands `value` to C through the constructor's out-pointer.
    ///
    /// # Safety
    /// `out` must be non-NULL and writable (see [`clear_out`]).
    unsafe fn give(value: Self::Target, out: *mut *mut Self) {
        // SAFETY: as the caller promised.
        unsafe { *out = Box::into_raw(Box::new(value)).cast() };
    }

    /// # Safety
    /// `handle` must be NULL or a live handle of this type.
    unsafe fn borrow<'a>(handle: *const Self) -> Result<&'a Self::Target, restsign_status> {
        // SAFETY: non-NULL handles of this type are `Box<Target>` pointers made by `give`.
        unsafe { handle.cast::<Self::Target>().as_ref() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)
    }

    /// # Safety
    /// `handle` must be NULL or a live handle of this type, used by no one else meanwhile.
    unsafe fn borrow_mut<'a>(handle: *mut Self) -> Result<&'a mut Self::Target, restsign_status> {
        // SAFETY: as for `borrow`, and exclusive as the caller promised.
        unsafe { handle.cast::<Self::Target>().as_mut() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)
    }

    /// Takes the value back and drops it; NULL does nothing.
    ///
    /// # Safety
    /// `handle` must be NULL or a live handle of this type, not used again.
    unsafe fn free(handle: *mut Self) {
        if !handle.is_null() {
            // SAFETY: as the caller promised; ownership returns here once.
            drop(unsafe { Box::from_raw(handle.cast::<Self::Target>()) });
        }
    }
}

/// A handle that is one strong reference of an `Arc<Self::Target>`.
pub(crate) trait ArcHandle: Sized {
    type Target;

    /// # Safety
    /// `out` must be non-NULL and writable (see [`clear_out`]).
    unsafe fn give(value: Arc<Self::Target>, out: *mut *mut Self) {
        // SAFETY: as the caller promised.
        unsafe { *out = Arc::into_raw(value).cast_mut().cast() };
    }

    /// # Safety
    /// `handle` must be NULL or a live handle of this type.
    unsafe fn borrow<'a>(handle: *const Self) -> Result<&'a Self::Target, restsign_status> {
        // SAFETY: non-NULL handles of this type are `Arc::into_raw` pointers made by `give`.
        unsafe { handle.cast::<Self::Target>().as_ref() }.ok_or(RESTSIGN_ERR_NULL_HANDLE)
    }

    /// A new strong reference (for a value that outlives the handle, as a request its signer).
    ///
    /// # Safety
    /// `handle` must be NULL or a live handle of this type.
    unsafe fn share(handle: *const Self) -> Result<Arc<Self::Target>, restsign_status> {
        if handle.is_null() {
            return Err(RESTSIGN_ERR_NULL_HANDLE);
        }
        // SAFETY: a live handle holds one reference; we add the one we return.
        unsafe {
            Arc::increment_strong_count(handle.cast::<Self::Target>());
            Ok(Arc::from_raw(handle.cast::<Self::Target>()))
        }
    }

    /// Drops the handle's reference; NULL does nothing.
    ///
    /// # Safety
    /// `handle` must be NULL or a live handle of this type, not used again.
    unsafe fn free(handle: *mut Self) {
        if !handle.is_null() {
            // SAFETY: as the caller promised; the handle's reference is released here once.
            drop(unsafe { Arc::from_raw(handle.cast::<Self::Target>()) });
        }
    }
}

/// Checks and NULLs the out-pointer of a constructor, so it is NULL on every failure.
///
/// # Safety
/// `out` must be NULL or writable.
pub(crate) unsafe fn clear_out<T>(out: *mut *mut T) -> Result<(), restsign_status> {
    if out.is_null() {
        return Err(RESTSIGN_ERR_NULL_ARGUMENT);
    }
    // SAFETY: non-NULL and writable, as the caller promised.
    unsafe { *out = std::ptr::null_mut() };
    Ok(())
}
