"""Learning journeys: enablement authors pulses and application exercises per competency; a
development focus starts one for the rep, the worker sends its steps at the focus's check-in
interval, the rep answers exercises from the phone and the manager reviews them."""
