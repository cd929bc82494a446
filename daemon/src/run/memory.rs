//! Giving the start-up's freed heap back to the kernel.
//!
//! Reading and checking the configuration allocates far more than the running node keeps (the
//! parsed model, diagnostics, the text itself); glibc keeps freed chunks mapped, so without a
//! trim they stay in the daemon's resident memory for its whole life. [`release_free_heap`]
//! runs once the node is built, after each reload and after a burst of outputs: `malloc_trim(0)` returns the free pages
//! at the top of the heap and, inside it, the free whole pages (`MADV_DONTNEED`).

/// Outputs in one drain that make it a burst worth trimming after (a timer round of 255
/// instances stays below it; 255 instances turning master with their GARPs do not).
pub const BURST_OUTPUTS: usize = 512;

/// Returns the heap's free pages to the kernel (glibc; a no-op elsewhere: musl's allocator
/// unmaps freed pages itself).
pub fn release_free_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
