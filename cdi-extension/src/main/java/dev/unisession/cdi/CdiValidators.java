package dev.unisession.cdi;

import dev.unisession.api.SessionValidator;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Vetoed;
import jakarta.enterprise.inject.spi.CDI;

/**
 * Runs the application's CDI beans that implement {@link SessionValidator}, in the filter's validation step:
 *
 * <pre>{@code
 * @ApplicationScoped
 * public class ActiveAccounts implements SessionValidator { ... }
 * }</pre>
 *
 * Registered with the filter through {@code META-INF/services}; valid for all where no CDI container runs.
 */
@Vetoed
public final class CdiValidators implements SessionValidator {

    @Override
    public Outcome validate(Candidate session) {
        Instance<SessionValidator> beans;
        try {
            beans = CDI.current().select(SessionValidator.class);
        } catch (IllegalStateException e) {
            return Outcome.VALID;
        }
        for (SessionValidator v : beans) {
            Outcome o = v.validate(session);
            if (o != Outcome.VALID) return o;
        }
        return Outcome.VALID;
    }
}
