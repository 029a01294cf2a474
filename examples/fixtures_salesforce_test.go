package examples_test

// salesforceFixtureCases are salesforce.xml's fixtures (fixtureCases).
var salesforceFixtureCases = []fixtureCase{}
