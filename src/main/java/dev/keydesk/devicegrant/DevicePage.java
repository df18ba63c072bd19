package dev.keydesk.devicegrant;

import dev.keydesk.guard.KeyLimitsInput;
import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;

/**
 * The /device page at one of its steps: entering the code, reviewing the request it names, or
 * the outcome of approving or denying it. {@code request} is null while entering the code;
 * {@code limits} (what the device's key may open, with {@code bound}, the account's limits it
 * stays within) only while reviewing, where {@code error} is about them.
 */
public record DevicePage(Layout layout, Step step, String userCode, String error, RequestView request,
                         KeyLimitsInput.FormView limits, String bound) {
    public enum Step { ENTER, REVIEW, APPROVED, DENIED }

    /** The client as the person sees it: its name, User-Agent, address, when it asked and until when the code works. */
    public record RequestView(String client, String userAgent, String ip, Moment asked, Moment expires) {}

    static DevicePage enter(Layout layout, String userCode, String error) {
        return new DevicePage(layout, Step.ENTER, userCode, error, null, null, null);
    }

    static DevicePage review(Layout layout, String userCode, RequestView request, KeyLimitsInput.FormView limits, String bound,
                             String limitsError) {
        return new DevicePage(layout, Step.REVIEW, userCode, limitsError, request, limits, bound);
    }

    static DevicePage decided(Layout layout, String userCode, RequestView request, boolean approved) {
        return new DevicePage(layout, approved ? Step.APPROVED : Step.DENIED, userCode, null, request, null, null);
    }

    /** The limits part starts open when something in it is chosen or refused, closed otherwise. */
    public boolean limitsOpen() {
        return limits != null && (limits.chosen() || !limits.ranges().isBlank() || error != null);
    }

    public boolean is(Step step) {
        return this.step == step;
    }
}
