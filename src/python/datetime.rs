//! Aware `datetime` values for the typed views: one cached `timezone` per offset.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::proto::fetch::MailDate;

struct Api {
    fromtimestamp: Py<PyAny>,
    timezone: Py<PyAny>,
    timedelta: Py<PyAny>,
    zones: Mutex<Vec<(i32, Py<PyAny>)>>,
}

static API: PyOnceLock<Api> = PyOnceLock::new();

/// Most distinct zones kept; real mail uses a few dozen.
const MAX_ZONES: usize = 256;

fn api(py: Python<'_>) -> PyResult<&Api> {
    API.get_or_try_init(py, || {
        let module = py.import("datetime")?;
        Ok(Api {
            fromtimestamp: module
                .getattr("datetime")?
                .getattr("fromtimestamp")?
                .unbind(),
            timezone: module.getattr("timezone")?.unbind(),
            timedelta: module.getattr("timedelta")?.unbind(),
            zones: Mutex::new(Vec::new()),
        })
    })
}

/// `date` as a `datetime` in the zone it was written in; `None` when Python cannot
/// represent it (a year outside 1..9999).
pub(crate) fn aware_datetime<'py>(py: Python<'py>, date: MailDate) -> PyResult<Bound<'py, PyAny>> {
    let api = api(py)?;
    let zone = zone(py, api, date.offset_minutes)?;
    match api.fromtimestamp.bind(py).call1((date.timestamp, zone)) {
        Ok(value) => Ok(value),
        Err(_) => Ok(py.None().into_bound(py)),
    }
}

fn zone<'py>(py: Python<'py>, api: &Api, offset: i32) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(zones) = api.zones.lock() {
        if let Some((_, tz)) = zones.iter().find(|(o, _)| *o == offset) {
            return Ok(tz.bind(py).clone());
        }
    }
    let delta = api.timedelta.bind(py).call1((0, i64::from(offset) * 60))?;
    let tz = api.timezone.bind(py).call1((delta,))?;
    if let Ok(mut zones) = api.zones.lock() {
        if zones.len() < MAX_ZONES {
            zones.push((offset, tz.clone().unbind()));
        }
    }
    Ok(tz)
}
