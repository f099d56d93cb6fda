//! Values kept apart in memory, so that threads working on neighbouring ones do not
//! invalidate each other's caches (false sharing).

/// A value alone on its cache lines (two 64-byte lines: adjacent-line prefetching pulls
/// lines in pairs).
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct CacheLine<T>(pub(crate) T);

impl<T> std::ops::Deref for CacheLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
