package com.acme.notify;

class SlackNotifierTest {
    @Test
    void signsRequests() {
        var notifier = new SlackNotifier("dummy-signing-secret");
        String token = System.getenv("SLACK_TEST_TOKEN");
        var client = SlackClient.withPassword("Correct-Horse-1");
    }
}
