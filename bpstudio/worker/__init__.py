"""The training run away from the GUI thread, Qt-free: the run loop under cooperative
control (``loop``), the packets it delivers (``packets``), the state that crosses to
and from the training process (``state``) and that process (``process``)."""
