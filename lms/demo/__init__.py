"""The demo site: a city with wards, communes, departments and people in every role."""
