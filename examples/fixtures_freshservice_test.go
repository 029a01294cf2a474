package examples_test

// freshserviceFixtureCases are freshservice.xml's fixtures (fixtureCases).
var freshserviceFixtureCases = []fixtureCase{}
