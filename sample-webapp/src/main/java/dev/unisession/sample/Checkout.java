package dev.unisession.sample;

import java.io.Serializable;

/** The state of the multi-step checkout, kept with plain {@code HttpSession.setAttribute}. */
public final class Checkout implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The step the user is on. */
    public enum Step {
        ADDRESS,
        PAYMENT,
        CONFIRM
    }

    private Step step = Step.ADDRESS;
    private String address;
    private String cardLast4;

    public Step step() {
        return step;
    }

    public String address() {
        return address;
    }

    public String cardLast4() {
        return cardLast4;
    }

    public void address(String address) {
        this.address = address;
        this.step = Step.PAYMENT;
    }

    public void payment(String card) {
        String digits = card.replaceAll("\\D", "");
        this.cardLast4 = digits.length() <= 4 ? digits : digits.substring(digits.length() - 4);
        this.step = Step.CONFIRM;
    }

    public void back() {
        step = step == Step.CONFIRM ? Step.PAYMENT : Step.ADDRESS;
    }
}
