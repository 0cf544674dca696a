"""The service package. app.telemetry sets up OpenTelemetry; app.main builds the web app."""
