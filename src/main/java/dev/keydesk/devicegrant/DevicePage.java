package dev.keydesk.devicegrant;

import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;

/**
 * The /device page at one of its steps: entering the code, reviewing the request it names, or
 * the outcome of approving or denying it. {@code request} is null while entering the code.
 */
public record DevicePage(Layout layout, Step step, String userCode, String error, RequestView request) {
    public enum Step { ENTER, REVIEW, APPROVED, DENIED }

    /** The client as the person sees it: its name, User-Agent, address, when it asked and until when the code works. */
    public record RequestView(String client, String userAgent, String ip, Moment asked, Moment expires) {}

    static DevicePage enter(Layout layout, String userCode, String error) {
        return new DevicePage(layout, Step.ENTER, userCode, error, null);
    }

    static DevicePage review(Layout layout, String userCode, RequestView request) {
        return new DevicePage(layout, Step.REVIEW, userCode, null, request);
    }

    static DevicePage decided(Layout layout, String userCode, RequestView request, boolean approved) {
        return new DevicePage(layout, approved ? Step.APPROVED : Step.DENIED, userCode, null, request);
    }

    public boolean is(Step step) {
        return this.step == step;
    }
}
