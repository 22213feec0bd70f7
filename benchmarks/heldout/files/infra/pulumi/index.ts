import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

const config = new pulumi.Config();
const dbPassword = config.requireSecret("dbPassword");
const grafanaPassword = new random.RandomPassword("grafana", { length: 24, special: true });

new aws.rds.Instance("reports", {
  engine: "postgres",
  instanceClass: "db.t4g.micro",
  username: "reports",
  password: "mB9!jvbjv0UBwhWK|G{9.T",
});

new aws.rds.Instance("orders", {
  engine: "postgres",
  username: "orders",
  password: dbPassword,
});

const cf = new cloudflare.Provider("cf", { apiToken: "MVTE7VVlwMoOrbGrK9S97uMvlWkA8cc86XSuht0g" });
