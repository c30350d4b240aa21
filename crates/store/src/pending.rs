//! [`Pending`]: the answer to a request handed to a store thread, awaitable from async code or
//! waited for from blocking code. A one-shot channel in fifty lines, so the store depends on no
//! async runtime.

use crate::StoreError;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    value: Option<Result<T, StoreError>>,
    done: bool,
    waker: Option<Waker>,
}

struct Shared<T> {
    slot: Mutex<Slot<T>>,
    ready: Condvar,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        // A panic while holding this lock cannot leave the slot half-written: recover it.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The result of a store request, available once the store has acted on it — for a write, once
/// its transaction has committed (or failed). `.await` it, or call [`Pending::wait`] outside
/// async code.
#[must_use = "a store request's result says whether it was stored"]
pub struct Pending<T> {
    shared: Arc<Shared<T>>,
}

/// The store thread's end: completes the request once.
pub(crate) struct Completer<T> {
    shared: Option<Arc<Shared<T>>>,
}

pub(crate) fn channel<T>() -> (Completer<T>, Pending<T>) {
    let shared = Arc::new(Shared {
        slot: Mutex::new(Slot {
            value: None,
            done: false,
            waker: None,
        }),
        ready: Condvar::new(),
    });
    (
        Completer {
            shared: Some(shared.clone()),
        },
        Pending { shared },
    )
}

impl<T> Pending<T> {
    /// A request that failed before reaching a store thread.
    pub(crate) fn failed(error: StoreError) -> Pending<T> {
        let (completer, pending) = channel();
        completer.complete(Err(error));
        pending
    }

    /// Blocks the calling thread until the answer is there. Do not call it on an async
    /// runtime's worker thread: `.await` instead. Called inside a store closure (where it could
    /// only deadlock: the store thread would wait for itself) it returns an error at once.
    pub fn wait(self) -> Result<T, StoreError> {
        let mut slot = self.shared.lock();
        if !slot.done && crate::runtime::on_store_thread() {
            return Err(StoreError::internal(
                "a store closure waited for another store request; that would deadlock",
            ));
        }
        while !slot.done {
            slot = self
                .shared
                .ready
                .wait(slot)
                .unwrap_or_else(PoisonError::into_inner);
        }
        take(&mut slot)
    }
}

fn take<T>(slot: &mut Slot<T>) -> Result<T, StoreError> {
    slot.value.take().unwrap_or_else(|| {
        Err(StoreError::internal(
            "a store request's result was taken twice",
        ))
    })
}

impl<T> Future for Pending<T> {
    type Output = Result<T, StoreError>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.shared.lock();
        if slot.done {
            return Poll::Ready(take(&mut slot));
        }
        match &slot.waker {
            Some(waker) if waker.will_wake(context.waker()) => {}
            _ => slot.waker = Some(context.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Completer<T> {
    pub(crate) fn complete(mut self, result: Result<T, StoreError>) {
        if let Some(shared) = self.shared.take() {
            finish(&shared, result);
        }
    }
}

fn finish<T>(shared: &Shared<T>, result: Result<T, StoreError>) {
    let waker = {
        let mut slot = shared.lock();
        slot.value = Some(result);
        slot.done = true;
        slot.waker.take()
    };
    shared.ready.notify_all();
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<T> Drop for Completer<T> {
    /// A request dropped unanswered (its closure panicked, the store shut down) still gets an
    /// answer, so no caller waits forever.
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            finish(
                &shared,
                Err(StoreError::internal(
                    "the store dropped the request (it panicked or the store shut down); nothing was stored",
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_gets_the_value_from_another_thread() {
        let (completer, pending) = channel::<u32>();
        let thread = std::thread::spawn(move || completer.complete(Ok(7)));
        assert_eq!(pending.wait(), Ok(7));
        thread.join().expect("completer thread");
    }

    #[test]
    fn a_dropped_completer_answers_with_an_error() {
        let (completer, pending) = channel::<u32>();
        drop(completer);
        assert!(matches!(pending.wait(), Err(StoreError::Internal { .. })));
    }

    #[test]
    fn a_failed_request_is_ready_at_once() {
        let pending = Pending::<u32>::failed(StoreError::invalid("no"));
        assert_eq!(pending.wait(), Err(StoreError::invalid("no")));
    }
}
