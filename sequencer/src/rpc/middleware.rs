//! RPC middleware that records the latency of every call by method.

use jsonrpsee::{
    MethodResponse,
    core::middleware::{Batch, Notification, RpcServiceT},
    types::{Request, error::METHOD_NOT_FOUND_CODE},
};
use prometheus::HistogramVec;
use std::{future::Future, time::Instant};

/// Layer adding [`MetricsService`] around the RPC service.
#[derive(Clone, Debug)]
pub(crate) struct MetricsLayer(pub(crate) HistogramVec);

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService { inner, histogram: self.0.clone() }
    }
}

/// Times each call; unknown methods share one label so clients cannot inflate the metric.
#[derive(Clone, Debug)]
pub(crate) struct MetricsService<S> {
    inner: S,
    histogram: HistogramVec,
}

impl<S> RpcServiceT for MetricsService<S>
where
    S: RpcServiceT<MethodResponse = MethodResponse> + Send + Sync + Clone + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let histogram = self.histogram.clone();
        let method = request.method_name().to_owned();
        async move {
            let started = Instant::now();
            let response = inner.call(request).await;
            let label = if response.as_error_code() == Some(METHOD_NOT_FOUND_CODE) { "unknown" } else { &method };
            histogram.with_label_values(&[label]).observe(started.elapsed().as_secs_f64());
            response
        }
    }

    fn batch<'a>(&self, requests: Batch<'a>) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        self.inner.batch(requests)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}
