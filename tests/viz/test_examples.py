"""The deep-sigmoid example and its ReLU twin, through the Session as the app opens them."""

import numpy as np
import pytest

from bpstudio.session import Session
from bpstudio.viz.diagnosis import diagnose_network
from bpstudio.viz.stepper import StepThrough


def _session(name):
    s = Session.open_example(name)
    s.load_data()
    s.build_network(device="cpu")
    return s


@pytest.mark.parametrize(("name", "vanishes"), [("deep_sigmoid", True), ("deep_relu", False)])
def test_example_diagnosis(name, vanishes):
    s = _session(name)
    ds = s.dataset
    found = diagnose_network(s.network, ds.x_train[:128], ds.y_train[:128])
    assert any(f.kind == "vanishing" for f in found) is vanishes
    if not vanishes:
        assert found == []


def test_step_through_on_the_example():
    s = _session("deep_relu")
    trainer = s.make_trainer()
    ds = s.dataset
    st = StepThrough(s.network, s.optimizer, ds.x_train[:32], ds.y_train[:32], trainer.config)
    w0 = np.array(s.network.named_params()["fc1.weight"])
    for _ in range(5):
        st.next()
    assert st.committed
    assert not np.array_equal(w0, s.network.named_params()["fc1.weight"])
