package examples_test

// intercomFixtureCases are intercom.xml's fixtures (fixtureCases).
var intercomFixtureCases = []fixtureCase{}
