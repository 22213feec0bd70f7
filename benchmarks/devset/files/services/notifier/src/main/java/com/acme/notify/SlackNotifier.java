package com.acme.notify;

final class SlackNotifier {
    private static final String WEBHOOK = "https://hooks.slack.com/services/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";
    private static final String ALERTS_CHANNEL = "C0BM2MQY7W3";
    private final String signingSecret = "c937d8d4f1761eb2c3570cc2601db8a4";

    void post(String text) {
        http.post(WEBHOOK, text);
    }
}
