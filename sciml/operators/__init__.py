"""Neural-operator models (from neuraloperator), configured by a small typed config."""
