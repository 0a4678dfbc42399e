package dev.portlocal.bench.control;

import dev.portlocal.dataplane.BindOutcome;
import dev.portlocal.dataplane.PortOpener;
import dev.portlocal.model.Mapping;

/** A data plane that opens nothing and reports every port bound, so benchmarks measure only the control plane. */
public final class AlwaysBoundOpener implements PortOpener {

    @Override
    public BindOutcome open(Mapping mapping) {
        return BindOutcome.bound();
    }

    @Override
    public void retarget(Mapping mapping) {
        // Nothing is listening, nothing to point elsewhere.
    }

    @Override
    public void close(Mapping mapping) {
        // Nothing was opened.
    }
}
