//! A bound on the documents between the parsing threads and tantivy's indexing threads.
//!
//! tantivy queues up to 10,000 documents ahead of its indexing threads. Parsing is faster
//! than indexing, so that queue fills up whenever an indexing thread stops to write out a
//! segment, which is when the writer's memory budget is full: tens of megabytes of documents
//! on top of the budget, at the worst moment. [`InFlight`] keeps the queue far shorter. Each document
//! sent is wrapped in a [`TrackedDocument`], which tells [`InFlight`] when tantivy has
//! indexed and dropped it; the sender waits while the bound is reached.
//!
//! A dropped document is also kept, emptied, for the next record ([`InFlight::blank`]):
//! its buffers then go back to the parsing thread instead of to the allocator. Freeing them
//! on the indexing thread that dropped them, and allocating new ones on the parsing thread,
//! took 6% of the parsing thread's time (perf, 100k generated PubMed records), mostly in the
//! kernel, which zeroed the fresh pages the allocator asked for.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::document::RecordDocument;
use tantivy::schema::document::Document;

/// How long a sender waits for the queue to drain before it sends anyway. Only a stalled
/// writer (its threads gone after an error) makes a wait that long. Senders then stop
/// waiting until the queue drains again, so that tantivy's own bound and errors take over
/// instead of the run hanging.
const LONGEST_WAIT: Duration = Duration::from_secs(10);

/// Counts the documents sent to the writer and not yet indexed, and holds senders back while
/// there are `limit` of them.
#[derive(Debug)]
pub struct InFlight {
    state: Mutex<State>,
    drained: Condvar,
    limit: usize,
    longest_wait: Duration,
}

#[derive(Debug, Default)]
struct State {
    queued: usize,
    /// Dropped documents, emptied, for the next records.
    recycled: Vec<RecordDocument>,
    /// A sender is waiting for the queue to drain.
    waiting: bool,
    /// Most documents queued at once.
    most: usize,
    /// A wait timed out: the writer has stopped taking documents.
    stalled: bool,
}

impl InFlight {
    /// Holds senders back while `limit` (at least 2) documents are queued.
    pub fn new(limit: usize) -> Arc<InFlight> {
        Self::waiting_at_most(limit, LONGEST_WAIT)
    }

    fn waiting_at_most(limit: usize, longest_wait: Duration) -> Arc<InFlight> {
        Arc::new(InFlight {
            state: Mutex::new(State::default()),
            drained: Condvar::new(),
            limit: limit.max(2),
            longest_wait,
        })
    }

    /// Wraps `document` for sending, after waiting until fewer than the limit are queued.
    /// Once the limit is reached the sender waits until half of the queue has drained, so
    /// that it is woken once per half-queue rather than once per document.
    pub fn track(self: &Arc<Self>, document: RecordDocument) -> TrackedDocument {
        let mut state = self.lock();
        if state.queued >= self.limit && !state.stalled {
            state.waiting = true;
            let (mut woken, timeout) = self
                .drained
                .wait_timeout_while(state, self.longest_wait, |state| {
                    state.queued > self.limit / 2
                })
                .unwrap_or_else(PoisonError::into_inner);
            woken.waiting = false;
            woken.stalled = timeout.timed_out();
            state = woken;
        }
        state.queued += 1;
        state.most = state.most.max(state.queued);
        TrackedDocument {
            document,
            in_flight: Some(Arc::clone(self)),
        }
    }

    /// An empty document for the next record: one that tantivy has dropped, with the room
    /// its buffers had, or a new one.
    pub fn blank(&self) -> RecordDocument {
        self.lock().recycled.pop().unwrap_or_default()
    }

    /// The most documents that were queued at once.
    #[cfg(test)]
    fn most_queued(&self) -> usize {
        self.lock().most
    }

    fn release(&self, mut document: RecordDocument) {
        let keep = document.clear_for_reuse();
        let mut state = self.lock();
        state.queued = state.queued.saturating_sub(1);
        if keep && state.recycled.len() < self.limit / 2 {
            state.recycled.push(document);
        }
        if state.queued <= self.limit / 2 {
            state.stalled = false;
            if state.waiting {
                self.drained.notify_one();
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A document on its way to the writer; dropping it (tantivy does, once it is indexed) frees
/// its place in the [`InFlight`] queue.
#[derive(Debug)]
pub struct TrackedDocument {
    document: RecordDocument,
    in_flight: Option<Arc<InFlight>>,
}

impl Drop for TrackedDocument {
    fn drop(&mut self) {
        if let Some(in_flight) = self.in_flight.take() {
            in_flight.release(std::mem::take(&mut self.document));
        }
    }
}

impl Document for TrackedDocument {
    type Value<'a> = <RecordDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <RecordDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.document.iter_fields_and_values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `count` empty documents.
    fn send(in_flight: &Arc<InFlight>, count: usize) -> Vec<TrackedDocument> {
        (0..count)
            .map(|_| in_flight.track(RecordDocument::default()))
            .collect()
    }

    #[test]
    fn dropping_a_document_frees_its_place() {
        let in_flight = InFlight::new(4);
        let documents = send(&in_flight, 4);
        assert_eq!(in_flight.lock().queued, 4);
        drop(documents);
        assert_eq!(in_flight.lock().queued, 0);
        assert_eq!(in_flight.most_queued(), 4);
    }

    #[test]
    fn a_sender_at_the_limit_waits_for_the_queue_to_drain() {
        let in_flight = InFlight::new(4);
        let queued = send(&in_flight, 4);
        let indexer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(queued);
        });
        let fifth = in_flight.track(RecordDocument::default());
        // The fifth document only went once the indexer had dropped half of the first four
        // (the sender may run before it drops the other two): the queue never held five.
        assert_eq!(in_flight.most_queued(), 4);
        indexer.join().expect("indexer thread");
        assert_eq!(in_flight.lock().queued, 1);
        drop(fifth);
        assert_eq!(in_flight.lock().queued, 0);
    }

    #[test]
    fn dropped_documents_come_back_empty_with_their_room() {
        let (_, fields) = crate::schema::Fields::build();
        let record = crate::record::Record {
            id: "1".into(),
            title: "Rituximab in immune thrombocytopenia".into(),
            ..Default::default()
        };
        let in_flight = InFlight::new(4);
        let full = in_flight.track(fields.document(&record, None).expect("small record"));
        assert!(in_flight.blank().is_empty(), "nothing to recycle yet");
        drop(full);
        let blank = in_flight.blank();
        assert!(blank.is_empty());
        assert!(blank.heap_bytes() > 0, "the buffers are kept");
        assert_eq!(in_flight.blank().heap_bytes(), 0, "taken once");
        // At most half the limit is kept, and only documents with room.
        drop(send(&in_flight, 4));
        assert!(in_flight.lock().recycled.is_empty());
        let documents: Vec<_> = (0..4)
            .map(|_| in_flight.track(fields.document(&record, None).expect("small record")))
            .collect();
        drop(documents);
        assert_eq!(in_flight.lock().recycled.len(), 2);
    }

    #[test]
    fn a_writer_that_stops_taking_documents_does_not_hang_the_sender() {
        let in_flight = InFlight::waiting_at_most(2, Duration::from_millis(20));
        let stuck = send(&in_flight, 2);
        // Nothing is ever dropped: the third send waits once, in vain, and the rest go on.
        let more = send(&in_flight, 3);
        assert_eq!(in_flight.most_queued(), 5);
        assert!(in_flight.lock().stalled);
        // Once the writer drains the queue, the bound holds again.
        drop((stuck, more));
        assert!(!in_flight.lock().stalled);
        let again = send(&in_flight, 2);
        assert_eq!(in_flight.lock().queued, 2);
        drop(again);
    }
}
